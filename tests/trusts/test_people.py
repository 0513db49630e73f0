"""People and roles: invitations, changing roles, suspending and removing access, two-factor resets, one's
own account. Every change is audited and shown on the person's page; heads manage their own school only."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope, scopes_disabled

from tests.conftest import sign_in
from tests.factories import MembershipFactory, TOTPDeviceFactory
from trusts import people
from trusts.errors import DomainError
from trusts.models import Invitation, Membership, Notification, PersonEvent
from trusts.recipients import alert
from trusts.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-new-password-42"


def invite(client, **data):
    return client.post(reverse("person_invite"), data)


def link_in_last_email():
    body = mail.outbox[-1].body
    return next(word for word in body.split() if "/account/invitation/" in word)


def reload(membership):
    with scopes_disabled():
        return Membership.objects.select_related("ended_by").get(pk=membership.pk)


def events_of(membership):
    with scopes_disabled():
        return list(PersonEvent.objects.filter(person=membership.user).values_list("action", flat=True))


# --- Invitations ----------------------------------------------------------------------------------------


def test_admin_invites_and_the_link_sets_a_password_once(
    world, client, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://ap.example.org"
    sign_in(client, world.personas["a.trust_admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(
            client,
            email="New.Lead@Example.org",
            first_name="Nia",
            last_name="Lead",
            role=Role.AP_LEAD,
            school=world.schools["a1"].pk,
        )
    assert response.status_code == 302
    link = link_in_last_email()
    assert link.startswith("https://ap.example.org/account/invitation/")
    assert mail.outbox[-1].to == ["new.lead@example.org"]

    path = urlsplit(link).path
    fresh = Client()
    page = fresh.get(path)
    assert page.status_code == 200 and "Alderley Academy" in page.content.decode()
    response = fresh.post(
        path, {"first_name": "Nia", "last_name": "Lead", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    assert fresh.get(reverse("placements:pupil_list")).status_code == 200  # signed in, as AP lead

    user = get_user_model().objects.get(email="new.lead@example.org")
    with scopes_disabled():
        membership = Membership.objects.get(user=user)
        assert (membership.role, membership.school_id) == (Role.AP_LEAD, world.schools["a1"].pk)
        assert Invitation.objects.get(email="new.lead@example.org").accepted_by == user
    assert events_of(membership) == ["joined"]

    again = Client().post(
        path, {"first_name": "X", "last_name": "Y", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert again.status_code == 410
    assert "already been used" in again.content.decode()


def test_an_expired_or_withdrawn_or_unknown_link_is_refused(world):
    with scope(trust=world.trust_a.pk):
        invitation, link = people.invitation_create(
            by=world.personas["a.trust_admin"], email="late@example.org", role=Role.GOVERNOR
        )
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    token = link.rsplit("/", 2)[-2]
    with pytest.raises(DomainError, match="expired"):
        people.invitation_accept(token=token, password=PASSWORD)
    assert "expired" in Client().get(reverse("invitation_accept", kwargs={"token": token})).content.decode()

    with scope(trust=world.trust_a.pk):
        second, link = people.invitation_create(
            by=world.personas["a.trust_admin"], email="withdrawn@example.org", role=Role.GOVERNOR
        )
        people.invitation_withdraw(invitation=second, by=world.personas["a.trust_admin"])
    with pytest.raises(DomainError, match="withdrawn"):
        people.invitation_accept(token=link.rsplit("/", 2)[-2], password=PASSWORD)
    assert Client().get(reverse("invitation_accept", kwargs={"token": "nonsense"})).status_code == 404
    assert (
        not get_user_model().objects.filter(email__in=["late@example.org", "withdrawn@example.org"]).exists()
    )


def test_a_two_factor_role_sets_up_its_device_straight_after_accepting(world):
    with scope(trust=world.trust_a.pk):
        _, link = people.invitation_create(
            by=world.personas["a.trust_admin"],
            email="dsl@example.org",
            role=Role.DSL,
            school=world.schools["a1"],
        )
    fresh = Client()
    path = urlsplit(link).path
    fresh.post(path, {"first_name": "D", "last_name": "S", "password1": PASSWORD, "password2": PASSWORD})
    response = fresh.get("/")
    assert response.status_code == 302 and reverse("two_factor_setup") in response.url


def test_an_existing_person_adds_the_role_with_their_own_password(world):
    existing = world.personas["a2.ap_lead"].user
    with scope(trust=world.trust_b.pk):
        _, link = people.invitation_create(
            by=world.personas["b.trust_admin"], email=existing.email.upper(), role=Role.GOVERNOR
        )
    token = link.rsplit("/", 2)[-2]
    with pytest.raises(DomainError, match="exists already"):
        people.invitation_accept(token=token, password="wrong-password-entirely")
    user, membership = people.invitation_accept(token=token, password="correct-horse-battery")
    assert user == existing
    assert membership.trust_id == world.trust_b.pk and membership.role == Role.GOVERNOR
    with scopes_disabled():
        assert Membership.objects.filter(user=existing).count() == 2  # a person in several trusts


def test_bad_invitations_get_a_message_and_save_nothing(world, client):
    sign_in(client, world.personas["a.trust_admin"])
    response = invite(client, email="head@example.org", role=Role.HEADTEACHER)
    assert response.status_code == 200
    assert "belongs to one school" in response.content.decode()
    response = invite(client, email="ps@example.org", role=Role.PROVIDER_STAFF)
    assert "work for a provider" in response.content.decode()
    existing = world.personas["a.ap_lead"]
    response = invite(client, email=existing.user.email, role=Role.AP_LEAD, school=existing.school_id)
    assert "already has this role" in response.content.decode()
    with scopes_disabled():
        assert not Invitation.objects.exists()


def test_a_head_invites_only_to_their_own_school_and_school_roles(world, client):
    head = world.personas["a.headteacher"]
    sign_in(client, head)
    assert invite(client, email="ok@example.org", role=Role.AP_LEAD, school=head.school_id).status_code == 302
    page = invite(client, email="no@example.org", role=Role.AP_LEAD, school=world.schools["a2"].pk)
    assert page.status_code == 200  # the other school is not a choice
    page = invite(client, email="no@example.org", role=Role.TRUST_ADMIN, school=head.school_id)
    assert page.status_code == 200
    with scope(trust=world.trust_a.pk):
        with pytest.raises(DomainError, match="own school"):
            people.invitation_create(
                by=head, email="x@example.org", role=Role.AP_LEAD, school=world.schools["a2"]
            )
        with pytest.raises(DomainError, match="own school"):
            people.invitation_create(
                by=head, email="x@example.org", role=Role.HEADTEACHER, school=head.school
            )
        assert list(Invitation.objects.values_list("email", flat=True)) == ["ok@example.org"]


def test_only_admins_and_heads_manage_people(world, client):
    for key in ("ap_lead", "attendance_officer", "school_dsl", "trust_governor", "provider_staff"):
        sign_in(client, world.personas[f"a.{key}"])
        assert client.get(reverse("people_list")).status_code == 403, key
        assert client.get(reverse("person_invite")).status_code == 403, key


# --- The people pages -----------------------------------------------------------------------------------


def test_people_list_shows_a_head_only_their_school(world, client, django_assert_max_num_queries):
    sign_in(client, world.personas["a.headteacher"])
    with django_assert_max_num_queries(11):
        page = client.get(reverse("people_list")).content.decode()
    assert "Aap_lead" in page and "Quillon" not in page and "Atrust_admin" not in page


def test_people_list_query_count_does_not_grow_with_people(world, client, django_assert_max_num_queries):
    admin = world.personas["a.trust_admin"]
    sign_in(client, admin)
    for n in range(15):
        MembershipFactory(trust=world.trust_a, role=Role.AP_LEAD, school=world.schools["a1"])
        if n % 3 == 0:
            with scope(trust=world.trust_a.pk):
                people.invitation_create(by=admin, email=f"p{n}@example.org", role=Role.GOVERNOR)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("people_list"))
    assert response.status_code == 200


def test_person_pages_of_another_trust_or_school_are_404(world, client):
    sign_in(client, world.personas["a.trust_admin"])
    assert (
        client.get(reverse("person_detail", kwargs={"person_pk": world.personas["b.ap_lead"].pk})).status_code
        == 404
    )
    sign_in(client, world.personas["a.headteacher"])
    other_school = world.personas["a2.ap_lead"]
    for name in ("person_detail",):
        assert client.get(reverse(name, kwargs={"person_pk": other_school.pk})).status_code == 404
    for name in ("person_role", "person_suspend", "person_remove", "person_reinstate"):
        assert client.post(reverse(name, kwargs={"person_pk": other_school.pk})).status_code == 404
    assert reload(other_school).is_active


# --- Roles and access -----------------------------------------------------------------------------------


def test_change_role_is_audited_and_the_person_told(world, client):
    person = world.personas["a.attendance_officer"]
    sign_in(client, world.personas["a.trust_admin"])
    client.post(
        reverse("person_role", kwargs={"person_pk": person.pk}),
        {"role": Role.AP_LEAD, "school": world.schools["a1"].pk},
    )
    assert reload(person).role == Role.AP_LEAD
    page = client.get(reverse("person_detail", kwargs={"person_pk": person.pk})).content.decode()
    assert (
        "Role changed" in page and "Attendance officer, Alderley Academy → AP lead, Alderley Academy" in page
    )
    with scopes_disabled():
        assert Notification.objects.filter(recipient=person.user, kind="people.role_changed").exists()


def test_suspend_signs_out_at_once_and_access_can_be_given_back(world, client):
    person = world.personas["a.ap_lead"]
    their_browser = sign_in(Client(), person)
    assert their_browser.get(reverse("placements:pupil_list")).status_code == 200
    sign_in(client, world.personas["a.headteacher"])
    client.post(reverse("person_suspend", kwargs={"person_pk": person.pk}), {"reason": "Investigation"})
    refused = their_browser.get(reverse("placements:pupil_list"))
    assert refused.status_code == 302 and reverse("login") in refused.url
    assert reload(person).status == "suspended"

    client.post(reverse("person_reinstate", kwargs={"person_pk": person.pk}))
    assert reload(person).status == "active"
    assert events_of(person) == ["reinstated", "suspended"]


def test_remove_keeps_the_history_and_ends_sessions(world, client):
    person = world.personas["a.school_dsl"]
    their_browser = sign_in(Client(), person)
    sign_in(client, world.personas["a.trust_admin"])
    client.post(reverse("person_remove", kwargs={"person_pk": person.pk}))
    removed = reload(person)
    assert removed.status == "removed" and removed.ended_by == world.personas["a.trust_admin"].user
    assert their_browser.get("/").status_code == 302
    page = client.get(reverse("person_detail", kwargs={"person_pk": person.pk})).content.decode()
    assert "Access removed" in page and "Atrust_admin" in page
    with pytest.raises(DomainError, match="already been removed"), scope(trust=world.trust_a.pk):
        people.membership_remove(membership=removed, by=world.personas["a.trust_admin"])
    with pytest.raises(DomainError, match="invite the person again"), scope(trust=world.trust_a.pk):
        people.membership_change_role(
            membership=removed, by=world.personas["a.trust_admin"], role=Role.GOVERNOR
        )


def test_the_last_trust_admin_cannot_be_removed_suspended_or_demoted(world):
    admin = world.personas["a.trust_admin"]
    second = MembershipFactory(trust=world.trust_a, role=Role.TRUST_ADMIN, school=None)
    with scope(trust=world.trust_a.pk):
        people.membership_remove(membership=second, by=admin)
        for service, kwargs in (
            (people.membership_change_role, {"role": Role.GOVERNOR}),
            (people.membership_end, {}),
        ):
            with pytest.raises(DomainError, match="last trust admin"):
                service(membership=admin, by=admin, **kwargs)
        other = MembershipFactory(trust=world.trust_a, role=Role.TRUST_ADMIN, school=None)
        with pytest.raises(DomainError, match="your own access"):
            people.membership_suspend(membership=admin, by=admin)
        people.membership_suspend(membership=admin, by=other)  # allowed: another admin remains
    assert reload(admin).status == "suspended"


def test_heads_cannot_change_trust_wide_people(world):
    head = world.personas["a.headteacher"]
    with scope(trust=world.trust_a.pk):
        for target in ("trust_dsl", "trust_admin", "headteacher"):
            with pytest.raises(DomainError, match="own school"):
                people.membership_suspend(membership=world.personas[f"a.{target}"], by=head)
        with pytest.raises(DomainError):
            people.membership_change_role(
                membership=world.personas["a.ap_lead"], by=head, role=Role.HEADTEACHER, school=head.school
            )


def test_admin_resets_a_two_factor_device_audited_and_the_person_told(world, client):
    person = world.personas["a.school_dsl"]
    TOTPDeviceFactory(user=person.user)
    their_browser = sign_in(Client(), person)
    sign_in(client, world.personas["a.trust_admin"])
    client.post(reverse("person_two_factor_reset", kwargs={"person_pk": person.pk}))
    assert not TOTPDevice.objects.filter(user=person.user).exists()
    assert their_browser.get("/").status_code == 302
    assert "two_factor_reset" in events_of(person)
    with scopes_disabled():
        told = Notification.objects.get(recipient=person.user, kind="people.two_factor_reset")
    assert told.urgent
    sign_in(client, world.personas["a.headteacher"])
    assert client.post(reverse("person_two_factor_reset", kwargs={"person_pk": person.pk})).status_code == 403


# --- One's own account ----------------------------------------------------------------------------------


def test_a_person_changes_their_own_password_and_device(world, client):
    person = world.personas["a.headteacher"]
    sign_in(client, person)
    response = client.post(
        reverse("my_password"),
        {"old_password": "correct-horse-battery", "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(reverse("my_account")).status_code == 200  # still signed in
    response = client.post(reverse("my_two_factor_replace"))
    assert response.url == reverse("two_factor_setup")
    assert not TOTPDevice.objects.filter(user=person.user, confirmed=True).exists()
    assert set(events_of(person)) == {"password_changed", "two_factor_replaced"}


def test_alert_emails_follow_the_persons_choice_except_required_kinds(world, client):
    person = world.personas["a.attendance_officer"]
    sign_in(client, person)
    page = client.get(reverse("my_account")).content.decode()
    assert person.user.email in page and "Required by the trust" in page
    # Untick "A pupil absent"; the vulnerable-pupil alert is required and stays on whatever is posted.
    client.post(reverse("my_account"), {"attendance.mark_missing": "on"})
    # Every kind that can reach the person was unticked but the one posted, and the required ones stay on.
    assert set(reload(person).alert_emails_off) == {
        "attendance.absence",
        "people.role_changed",
        # Kinds addressed to the person a record names (a QA visitor) can reach anyone named.
        "qa.visit_overdue",
        "qa.visit_reminder",
        "qa.action_due",
        "qa.action_overdue",
        "qa.action_response",
    }
    school = world.schools["a1"]
    with scope(trust=world.trust_a.pk):
        alert(kind="attendance.absence", trust=world.trust_a, key="k1", subject="s", body="b", school=school)
        alert(
            kind="attendance.absence_vulnerable",
            trust=world.trust_a,
            key="k2",
            subject="s",
            body="b",
            school=school,
        )
        mine = dict(Notification.objects.filter(recipient=person.user).values_list("kind", "email_status"))
    assert mine["attendance.absence"] == "not_needed"
    assert mine["attendance.absence_vulnerable"] != "not_needed"


# --- Provider staff asked for by the provider's lead contact ---------------------------------------------


def test_a_providers_lead_contact_asks_and_the_trust_approves(
    world, client, django_capture_on_commit_callbacks
):
    lead = world.personas["a.provider_staff"]
    provider = world.providers["a"]
    with scopes_disabled():
        provider.contact_email = lead.user.email.upper()
        provider.save(update_fields=["contact_email"])
    sign_in(client, lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff_request"), {"email": "colleague@example.org", "job_title": "Tutor"}
        )
    assert response.status_code == 302
    # Nothing goes to the colleague before the trust approves (the trust admins are emailed the request).
    assert not [m for m in mail.outbox if "colleague@example.org" in m.to]
    with scopes_disabled():
        invitation = Invitation.objects.get(email="colleague@example.org")
        assert Notification.objects.filter(
            recipient=world.personas["a.trust_admin"].user, kind="people.staff_requested"
        ).exists()
    assert people.invitation_problem(invitation) == "This invitation is waiting for the trust's approval."

    sign_in(client, world.personas["a.trust_admin"])
    assert "colleague@example.org" in client.get(reverse("people_list")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("invitation_approve", kwargs={"invitation_pk": invitation.pk}))
    link = link_in_last_email()
    user, membership = people.invitation_accept(token=link.rstrip("/").rsplit("/", 1)[-1], password=PASSWORD)
    assert membership.provider_id == provider.pk and membership.role == Role.PROVIDER_STAFF


def test_only_the_lead_contact_asks_and_only_admins_approve(world, client):
    lead = world.personas["a.provider_staff"]  # the provider's contact email is someone else's
    with scope(trust=world.trust_a.pk), pytest.raises(DomainError, match="lead contact"):
        people.staff_invitation_request(by=lead, email="x@example.org")
    with scopes_disabled():
        world.providers["a"].contact_email = lead.user.email
        world.providers["a"].save(update_fields=["contact_email"])
        lead = Membership.objects.select_related("user", "provider").get(pk=lead.pk)
    with scope(trust=world.trust_a.pk):
        invitation = people.staff_invitation_request(by=lead, email="x@example.org")
        with pytest.raises(DomainError, match="already been asked"):
            people.staff_invitation_request(by=lead, email="X@example.org")
    sign_in(client, world.personas["a.headteacher"])
    assert (
        client.post(reverse("invitation_approve", kwargs={"invitation_pk": invitation.pk})).status_code == 403
    )
    sign_in(client, world.personas["b.trust_admin"])
    assert (
        client.post(reverse("invitation_approve", kwargs={"invitation_pk": invitation.pk})).status_code == 404
    )
    sign_in(client, world.personas["a.ap_lead"])
    assert client.get(reverse("staff_request")).status_code == 403


def test_person_page_queries_do_not_grow_with_history(world, client, django_assert_max_num_queries):
    person = world.personas["a.ap_lead"]
    admin = world.personas["a.trust_admin"]
    with scope(trust=world.trust_a.pk):
        for _ in range(5):
            people.membership_suspend(membership=reload(person), by=admin)
            people.membership_reinstate(membership=reload(person), by=admin)
    sign_in(client, world.personas["a.headteacher"])
    with django_assert_max_num_queries(14):
        page = client.get(reverse("person_detail", kwargs={"person_pk": person.pk}))
    assert page.content.decode().count("Access suspended") == 5
