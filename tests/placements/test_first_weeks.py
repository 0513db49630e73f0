"""The first weeks: the set-up meeting, the provider's initial assessment and the home/school agreement."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from placements import lifecycle
from placements.agreements import first_weeks
from tests.conftest import sign_in
from tests.factories import MembershipFactory
from tests.placements.conftest import make_ready, new_placement
from tests.placements.test_views import pdf_text
from trusts.errors import DomainError
from trusts.roles import Role


def _active(pw):
    placement = make_ready(pw, new_placement(pw))
    lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    return lifecycle.placement_activate(
        by=pw.personas["a.ap_lead"], placement=placement, today=date(2026, 11, 30)
    )


def test_the_set_up_meeting_is_recorded_by_either_side(pw):
    placement = make_ready(pw, new_placement(pw))
    with pytest.raises(DomainError, match="who came"):
        first_weeks.setup_meeting_record(
            by=pw.personas["a.ap_lead"], placement=placement, held_on=date(2026, 11, 19), attendees=" "
        )
    with pytest.raises(DomainError, match="future"):
        first_weeks.setup_meeting_record(
            by=pw.personas["a.ap_lead"], placement=placement, held_on=date(2026, 12, 1), attendees="Everyone"
        )
    meeting = first_weeks.setup_meeting_record(
        by=pw.personas["a.provider_staff"],
        placement=placement,
        held_on=date(2026, 11, 19),
        attendees="Kai, his mother, Ava Lead (school), Pat Contact (provider)",
        notes="Tour of the workshop; lunch arrangements agreed.",
    )
    assert meeting.recorded_by == pw.personas["a.provider_staff"].user
    other = MembershipFactory(trust=pw.trust_a, role=Role.PROVIDER_STAFF, provider=pw.providers["a_other"])
    with pytest.raises(DomainError, match="another provider"):
        first_weeks.setup_meeting_record(
            by=other, placement=placement, held_on=date(2026, 11, 19), attendees="x"
        )


def test_the_initial_assessment_waits_for_the_start(pw, clock):
    placement = _active(pw)
    staff = pw.personas["a.provider_staff"]
    with pytest.raises(DomainError, match="once the pupil has started"):
        first_weeks.initial_assessment_record(
            by=staff, placement=placement, assessed_on=date(2026, 11, 20), summary="Early"
        )
    clock.move_to("2026-12-02 15:00 +00:00")
    placement = first_weeks.initial_assessment_record(
        by=staff, placement=placement, assessed_on=date(2026, 12, 2), summary="Reading age 11."
    )
    assert (
        placement.initial_assessment_on == date(2026, 12, 2) and placement.initial_assessment_by == staff.user
    )


def test_the_home_school_agreement_needs_all_four_parties_and_prints(pw, client):
    placement = make_ready(pw, new_placement(pw))
    lead = pw.personas["a.ap_lead"]
    with pytest.raises(DomainError) as error:
        first_weeks.home_school_agreement_record(
            by=lead,
            placement=placement,
            agreed_on=date(2026, 11, 19),
            carers="",
            pupil_agreed=False,
            school_name="Ava Lead",
            provider_name="",
        )
    assert len(error.value.problems) == 3
    url = reverse("placements:home_school_record", kwargs={"placement_pk": placement.pk})
    sign_in(client, lead)
    assert "Recorded once the parents or carers" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "agreed_on": "2026-11-19",
            "carers": "Chris Whitfield",
            "pupil_agreed": "on",
            "school_name": "Ava Lead",
            "provider_name": "Pat Contact",
        },
    )
    assert response.status_code == 302
    agreement = placement.home_school_agreements.get()
    pdf = reverse("placements:home_school_pdf", kwargs={"home_school_pk": agreement.pk})
    for key in ("a.ap_lead", "a.provider_staff"):
        sign_in(client, pw.personas[key])
        text = pdf_text(client.get(pdf).content)
        assert "Home/school agreement" in text and "Chris Whitfield" in text and "Pat Contact" in text
    other = MembershipFactory(trust=pw.trust_a, role=Role.PROVIDER_STAFF, provider=pw.providers["a_other"])
    for membership in (other, pw.personas["a2.ap_lead"], pw.personas["b.provider_staff"]):
        sign_in(client, membership)
        assert client.get(pdf).status_code == 404
    sign_in(client, pw.personas["a.provider_staff"])
    assert client.get(url).status_code == 403  # the school records it


def test_the_first_weeks_pages_are_the_placements_own(pw, client):
    placement = make_ready(pw, new_placement(pw))
    other = MembershipFactory(trust=pw.trust_a, role=Role.PROVIDER_STAFF, provider=pw.providers["a_other"])
    for name in ("setup_meeting_record", "initial_assessment_record"):
        url = reverse(f"placements:{name}", kwargs={"placement_pk": placement.pk})
        for membership in (other, pw.personas["a2.ap_lead"], pw.personas["b.provider_staff"]):
            sign_in(client, membership)
            assert client.get(url).status_code == 404, (name, membership)
            assert client.post(url, {"held_on": "2026-11-19", "attendees": "x"}).status_code == 404
    assert not placement.setup_meetings.exists()


# --- The referral form -----------------------------------------------------------------------------------


def test_part_a_comes_before_the_proposal_and_part_b_by_the_first_review(pw, client, clock):
    from placements.agreements import referral_form
    from placements.cadence import cadence_reconcile
    from tests.placements.conftest import FULL_WEEK
    from trusts.models import Notification

    lead = pw.personas["a.ap_lead"]
    placement = new_placement(pw, part_a=False)
    lifecycle.timetable_set(by=lead, placement=placement, sessions=FULL_WEEK)
    with pytest.raises(DomainError, match="Part A of the referral form"):
        lifecycle.placement_propose(by=lead, placement=placement)
    with pytest.raises(DomainError) as error:
        referral_form.referral_form_save(by=lead, placement=placement, part="a", ethnicity="", disability="")
    assert len(error.value.problems) == 4
    # A week after the referral, Part A not done: the AP lead is told once.
    assert cadence_reconcile(today=date(2026, 11, 30))["referral_forms_overdue"] == 1
    assert cadence_reconcile(today=date(2026, 12, 1))["referral_forms_overdue"] == 0
    url = reverse("placements:referral_form_edit", kwargs={"placement_pk": placement.pk})
    sign_in(client, lead)
    response = client.post(
        url,
        {
            "ethnicity": "not_said",
            "religion": "Prefer not to say",
            "disability": "not_said",
            "safeguarding_category": "cin",
            "other_agencies": "Early help worker",
            "attendance_last_year": "91.2",
            "interventions_tried": "Pastoral support plan; mentoring.",
        },
    )
    assert response.status_code == 302
    lifecycle.placement_propose(by=lead, placement=placement)
    text = pdf_text(
        client.get(reverse("placements:referral_form_pdf", kwargs={"placement_pk": placement.pk})).content
    )
    assert "Prefer not to say" in text and "Child in need (section 17)" in text and "91.2%" in text
    response = client.post(
        url + "?part=b",
        {
            "current_attainment": "Working at grade 2",
            "target_attainment": "Grade 4 in English and maths",
            "behaviour_summary": "Walks out of lessons; no violence.",
            "risk_indicators": ["exclusion", "neet"],
            "intervention_impact": "Short-lived improvement.",
        },
    )
    assert response.status_code == 302
    form = placement.referral_form
    form.refresh_from_db()
    assert form.part_b_completed_at and form.risk_indicators == ["exclusion", "neet"]
    assert Notification.objects.filter(kind="placements.referral_form_overdue").count() == 1
    for membership in (pw.personas["a.provider_staff"],):
        sign_in(client, membership)
        assert (
            client.get(
                reverse("placements:referral_form_pdf", kwargs={"placement_pk": placement.pk})
            ).status_code
            == 403
        )
    for membership in (pw.personas["a2.ap_lead"], pw.personas["b.ap_lead"]):
        sign_in(client, membership)
        assert client.get(url).status_code == 404


def test_part_b_is_chased_once_the_first_review_has_passed(pw):
    from placements.agreements import referral_form
    from placements.cadence import cadence_reconcile

    placement = _active(pw)
    assert referral_form.part_b_due(placement) == date(2027, 1, 11)
    assert cadence_reconcile(today=date(2027, 1, 11))["referral_forms_overdue"] == 0
    assert cadence_reconcile(today=date(2027, 1, 12))["referral_forms_overdue"] == 1
    assert cadence_reconcile(today=date(2027, 1, 13))["referral_forms_overdue"] == 0
