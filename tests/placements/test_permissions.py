"""Who may do what on placements comes from trusts.permissions: the pages answer 403 to a role without the
action, the services refuse it again when called directly, and the page shows only the buttons the person's
actions allow."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from placements import conditions, lifecycle, pupils, reviews
from placements.agreements import sla
from tests.placements.conftest import FULL_WEEK, make_ready, new_placement
from trusts.errors import DomainError


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("a.ap_lead", 200),
        ("a.headteacher", 200),
        ("a.trust_admin", 200),
        ("a.attendance_officer", 403),
        ("a.school_dsl", 403),
        ("a.school_governor", 403),
        ("a.provider_staff", 403),
    ],
)
def test_the_edit_page_follows_placement_edit(pw, client, sign_in_as, persona, status):
    placement = new_placement(pw)
    sign_in_as(pw.personas[persona])
    url = reverse("placements:placement_edit", kwargs={"placement_pk": placement.pk})
    assert client.get(url).status_code == status


@pytest.mark.parametrize("persona", ["a.attendance_officer", "a.school_dsl", "a.provider_staff"])
def test_services_refuse_a_role_without_the_action(pw, persona):
    by = pw.personas[persona]
    placement = new_placement(pw)
    with pytest.raises(DomainError, match="Your role does not allow"):
        lifecycle.timetable_set(by=by, placement=placement, sessions=FULL_WEEK)
    with pytest.raises(DomainError, match="Your role does not allow"):
        conditions.checks_record(by=by, placement=placement, la_informed_on=date(2026, 11, 18))
    with pytest.raises(DomainError, match="Your role does not allow"):
        pupils.pupil_update(by=by, pupil=placement.pupil, legal_first_name="Changed")
    with pytest.raises(DomainError, match="Your role does not allow"):
        sla.sla_build_version(by=by, placement=placement)


def test_only_the_headteacher_agrees_even_through_the_service(pw):
    placement = make_ready(pw, new_placement(pw))
    with pytest.raises(DomainError, match="Only the headteacher"):
        lifecycle.placement_agree(by=pw.personas["a.trust_admin"], placement=placement)
    agreed = lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    assert agreed.status == "agreed"


def test_provider_staff_report_incidents_at_their_own_provider_only(pw):
    placement = make_ready(pw, new_placement(pw))
    placement = lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    incident = reviews.incident_record(
        by=pw.personas["a.provider_staff"],
        placement=placement,
        occurred_at=placement.created_at,
        category="disruption",
        description="Left the room without permission.",
    )
    assert incident.reported_by == pw.personas["a.provider_staff"].user
    with pytest.raises(DomainError, match="Your role does not allow"):
        reviews.review_schedule(
            by=pw.personas["a.provider_staff"], placement=placement, scheduled_for=date(2027, 1, 11)
        )
    elsewhere = new_placement(pw, provider="a_other", status="active")
    with pytest.raises(DomainError, match="another provider"):
        reviews.incident_record(
            by=pw.personas["a.provider_staff"],
            placement=elsewhere,
            occurred_at=elsewhere.created_at,
            category="disruption",
            description="Not ours.",
        )


def test_the_placement_page_shows_the_buttons_of_the_persons_actions(pw, client, sign_in_as):
    placement = make_ready(pw, new_placement(pw))
    url = reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})
    sign_in_as(pw.personas["a.headteacher"])
    body = client.get(url).content.decode()
    assert 'data-testid="agree"' in body and "Record consent" in body
    sign_in_as(pw.personas["a.ap_lead"])
    body = client.get(url).content.decode()
    assert 'data-testid="agree"' not in body and "Record consent" in body
    sign_in_as(pw.personas["a.attendance_officer"])
    body = client.get(url).content.decode()
    assert "Pupil record" in body and "Record consent" not in body and 'data-testid="agree"' not in body
    sign_in_as(pw.personas["a.provider_staff"])
    body = client.get(url).content.decode()
    assert "Pupil record" not in body and "Consent and agreement" not in body
