"""The access log: every view of a pupil's record is written; nobody can change it; admins and DSLs read it."""

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from tests.conftest import sign_in
from trusts.models import AccessLog
from trusts.services import access_log_record


def record(membership, subject, school=None, ip="203.0.113.9"):
    request = RequestFactory().get("/pupils/1/", REMOTE_ADDR=ip, HTTP_USER_AGENT="Test browser")
    request.user = membership.user
    request.membership = membership
    with scope(trust=membership.trust_id):
        return access_log_record(request=request, subject=subject, subject_type="pupil", school=school)


@pytest.fixture
def entries(world):
    a1, a2 = world.schools["a1"], world.schools["a2"]
    return [
        record(world.personas["a.ap_lead"], a1, school=a1),
        record(world.personas["a2.ap_lead"], a2, school=a2),
        record(world.personas["b.ap_lead"], world.schools["b1"], school=world.schools["b1"]),
    ]


def test_an_entry_says_who_what_when_and_from_where(world, entries):
    entry = entries[0]
    assert entry.username == "a-ap_lead"
    assert entry.role == "ap_lead"
    assert entry.subject_type == "pupil" and entry.subject_label == "Alderley Academy"
    assert entry.ip_address == "203.0.113.9"
    assert entry.path == "/pupils/1/"
    assert entry.at is not None


def test_entries_cannot_be_changed_or_deleted(entries):
    entry = entries[0]
    entry.username = "someone-else"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()


def test_trust_admin_reads_the_whole_trust_and_no_other(client, world, entries):
    sign_in(client, world.personas["a.trust_admin"])
    body = client.get(reverse("access_log")).content.decode()
    assert "a-ap_lead" in body and "a2-ap_lead" in body
    assert "b-ap_lead" not in body


def test_school_dsl_reads_their_school_only(client, world, entries):
    sign_in(client, world.personas["a.school_dsl"])
    body = client.get(reverse("access_log")).content.decode()
    assert "a-ap_lead" in body
    assert "a2-ap_lead" not in body


@pytest.mark.parametrize("persona", ["a.ap_lead", "a.headteacher", "a.school_governor", "a.provider_staff"])
def test_other_roles_cannot_read_it(client, world, persona):
    sign_in(client, world.personas[persona])
    assert client.get(reverse("access_log")).status_code == 403


def test_filters_and_bad_filter_input(client, world, entries):
    sign_in(client, world.personas["a.trust_admin"])
    body = client.get(reverse("access_log"), {"username": "a2-"}).content.decode()
    assert "a2-ap_lead" in body and "a-ap_lead<" not in body
    bad = client.get(reverse("access_log"), {"date_from": "not-a-date"})
    assert bad.status_code == 200
    assert "Enter a valid date" in bad.content.decode()


def test_access_log_query_count_is_pinned(client, world, django_assert_num_queries):
    sign_in(client, world.personas["a.trust_admin"])
    a1 = world.schools["a1"]
    for _ in range(3):
        record(world.personas["a.ap_lead"], a1, school=a1)
    client.get(reverse("access_log"))
    with django_assert_num_queries(10):
        client.get(reverse("access_log"))
    for _ in range(30):
        record(world.personas["a.ap_lead"], a1, school=a1)
    with django_assert_num_queries(10):
        client.get(reverse("access_log"))
    with scopes_disabled():
        assert AccessLog.objects.count() == 33
