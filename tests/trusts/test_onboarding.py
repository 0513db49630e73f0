"""Starting a trust: the create_trust command and the go-live checklist."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from tests.conftest import sign_in
from tests.factories import MembershipFactory, SchoolFactory, TermFactory
from trusts import people
from trusts.models import Membership, Trust
from trusts.onboarding import go_live_checklist
from trusts.roles import Role

pytestmark = pytest.mark.django_db


def test_create_trust_prints_a_one_time_link_for_the_first_admin(db, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    out = StringIO()
    call_command("create_trust", "Northern Lights Academy Trust", "Admin@Example.org", stdout=out)
    link = out.getvalue().strip().splitlines()[-1]
    assert link.startswith("http://127.0.0.1:8123/account/invitation/")
    trust = Trust.objects.get(name="Northern Lights Academy Trust")
    assert trust.slug == "northern-lights-academy-trust" and trust.policy
    token = link.rstrip("/").rsplit("/", 1)[-1]
    user, membership = people.invitation_accept(
        token=token, password="a-long-new-password-42", first_name="Ada", last_name="Admin"
    )
    assert membership.role == Role.TRUST_ADMIN and membership.trust == trust
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_trust", "northern lights academy trust", "x@example.org", stdout=StringIO())
    with pytest.raises(CommandError, match="not an email"):
        call_command("create_trust", "Another Trust", "not-an-address", stdout=StringIO())
    assert not Trust.objects.filter(name="Another Trust").exists()


def test_the_checklist_says_what_is_missing_until_the_trust_can_go_live(
    world, client, django_assert_max_num_queries
):
    trust = Trust.objects.create(name="Fresh Trust", slug="fresh")
    from trusts.models import TrustPolicy

    with scopes_disabled():
        TrustPolicy.objects.create(trust=trust)
    admin = MembershipFactory(trust=trust, role=Role.TRUST_ADMIN, school=None)
    with scope(trust=trust.pk):
        steps = go_live_checklist(trust.pk)
        assert [s.done for s in steps] == [False] * 6
    school = SchoolFactory(trust=trust, name="Fresh Academy")
    with scope(trust=trust.pk):
        people.invitation_create(by=admin, email="head@example.org", role=Role.HEADTEACHER, school=school)
        people.invitation_create(by=admin, email="dsl@example.org", role=Role.DSL)
    TermFactory(
        academic_year__trust=trust,
        academic_year__name="2099/00",
        start_date="2099-09-02",
        end_date="2099-12-18",
        half_term_start=None,
        half_term_end=None,
    )
    sign_in(client, admin)
    client.post(reverse("trust_policy"), _policy_form(client))
    with django_assert_max_num_queries(14):
        page = client.get(reverse("trust_setup")).content.decode()
    assert "go live" in page
    with scope(trust=trust.pk):
        assert [s.done for s in go_live_checklist(trust.pk)] == [True, True, True, True, True, False]
    assert Client().get(reverse("trust_setup")).status_code == 302
    sign_in(client, world.personas["a.headteacher"])
    assert client.get(reverse("trust_setup")).status_code == 403


def _policy_form(client):
    page = client.get(reverse("trust_policy"))
    form = page.context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = value
    return data


def test_a_new_admin_membership_is_the_only_one_and_is_active(db):
    call_command("create_trust", "Solo Trust", "solo@example.org", "--kind", "sat", stdout=StringIO())
    with scopes_disabled():
        assert not Membership.objects.filter(trust__name="Solo Trust").exists()  # not until the link is used


def test_password_reset_links_use_the_site_address(world, client, settings):
    settings.SITE_URL = "https://ap.example.org"
    from django.core import mail

    client.post(reverse("password_reset"), {"email": world.personas["a.ap_lead"].user.email})
    assert "https://ap.example.org/account/reset/" in mail.outbox[-1].body
