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
    client.get(reverse("access_log"))
    # The same whether the log is empty or not: the page is read without counting the log.
    with django_assert_num_queries(4):
        client.get(reverse("access_log"))
    for _ in range(3):
        record(world.personas["a.ap_lead"], a1, school=a1)
    with django_assert_num_queries(4):
        client.get(reverse("access_log"))
    for _ in range(30):
        record(world.personas["a.ap_lead"], a1, school=a1)
    with django_assert_num_queries(4):
        client.get(reverse("access_log"))
    with scopes_disabled():
        # Thirty-three views of one record by one person in a few minutes: one row that counts them.
        assert list(AccessLog.objects.values_list("views", flat=True)) == [33]


def test_repeated_views_within_minutes_are_one_row_with_a_count(world, time_machine):
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    a1 = world.schools["a1"]
    lead, dsl = world.personas["a.ap_lead"], world.personas["a.school_dsl"]
    for minutes in (0, 5, 14, 28):  # each within 15 minutes of the one before
        time_machine.move_to(start + timedelta(minutes=minutes), tick=False)
        record(lead, a1, school=a1)
    record(dsl, a1, school=a1)  # someone else: a row of their own
    time_machine.move_to(start + timedelta(minutes=60), tick=False)
    record(lead, a1, school=a1)  # an hour later: a new visit
    with scopes_disabled():
        rows = list(AccessLog.objects.order_by("at", "pk").values_list("username", "views", "at", "last_at"))
    assert [(u, v) for u, v, _, _ in rows] == [("a-ap_lead", 4), ("a-school_dsl", 1), ("a-ap_lead", 1)]
    assert rows[0][2] == start and rows[0][3] == start + timedelta(minutes=28)


def test_names_roles_filters_and_csv(client, world, entries):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk=world.personas["a.ap_lead"].user_id).update(
        first_name="Ava", last_name="Lead"
    )
    sign_in(client, world.personas["a.trust_admin"])
    body = client.get(reverse("access_log")).content.decode()
    assert "Ava Lead" in body and "AP lead" in body
    body = client.get(reverse("access_log"), {"username": "ava lead"}).content.decode()
    assert "Ava Lead" in body and "a2-ap_lead" not in body
    body = client.get(reverse("access_log"), {"subject_label": "Quillon"}).content.decode()
    assert "a2-ap_lead" in body and "Ava Lead" not in body
    response = client.get(reverse("access_log_csv"), {"username": "ava"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().strip().splitlines()
    assert lines[0].startswith("first view,last view,views,name,username,role")
    assert len(lines) == 2 and "Ava Lead,a-ap_lead,AP lead,Alderley Academy" in lines[1]
    assert "b-ap_lead" not in response.content.decode()
    sign_in(client, world.personas["a.ap_lead"])
    assert client.get(reverse("access_log_csv")).status_code == 403


def test_the_log_is_paged_newest_first_and_keeps_the_filter(client, world):
    from datetime import timedelta

    from django.utils import timezone

    from trusts.views import ACCESS_LOG_PAGE_SIZE

    lead = world.personas["a.ap_lead"]
    a1 = world.schools["a1"]
    now = timezone.now()
    with scopes_disabled():
        logged = [
            AccessLog.objects.create(
                trust_id=lead.trust_id,
                school=a1,
                user=lead.user,
                username=lead.user.username,
                role=lead.role,
                subject_type="pupil",
                subject_id=n,
                subject_label=f"Pupil number {n:03d}",
                path=f"/pupils/{n}/",
            )
            for n in range(ACCESS_LOG_PAGE_SIZE + 5)
        ]
        # One minute apart, pupil 0 the oldest.
        for n, entry in enumerate(logged):
            AccessLog.objects.filter(pk=entry.pk).update(at=now - timedelta(minutes=len(logged) - n))
    sign_in(client, world.personas["a.trust_admin"])

    first = client.get(reverse("access_log")).content.decode()
    assert "Pupil number 054" in first and "Pupil number 005" in first
    assert "Pupil number 004" not in first
    assert "Page 1" in first and "page=2" in first and "page=0" not in first

    second = client.get(reverse("access_log"), {"page": 2}).content.decode()
    assert all(f"Pupil number {n:03d}" in second for n in range(5))
    assert "Pupil number 005" not in second
    assert "Page 2" in second and "page=1" in second and "page=3" not in second

    filtered = client.get(reverse("access_log"), {"subject_label": "Pupil number", "page": 2})
    body = filtered.content.decode()
    assert "Pupil number 000" in body
    assert "subject_label=Pupil+number&amp;page=1" in body

    for bad in ("x", "0", "-3", "9", "99999999999999999999999"):
        response = client.get(reverse("access_log"), {"page": bad})
        assert response.status_code == 200
        assert "Page 1" in response.content.decode() and "Pupil number 054" in response.content.decode()


def test_a_short_log_has_no_pager(client, world, entries):
    sign_in(client, world.personas["a.trust_admin"])
    body = client.get(reverse("access_log")).content.decode()
    assert 'aria-label="Pages"' not in body
