from datetime import date, time
from decimal import Decimal

import pytest
import time_machine

from placements import conditions, gates, lifecycle, reviews, selectors
from placements.agreements import sla
from placements.models import Placement, Review, SLAVersion
from tests.factories import CarerFactory, PupilFactory, TimetableSessionFactory
from tests.placements.conftest import (
    FULL_WEEK,
    TWO_MORNINGS,
    approve,
    make_ready,
    new_placement,
    provider_signer,
    school_signer,
)
from trusts.errors import DomainError


def unmet(placement):
    return {g.code for g in gates.unmet_blocking(gates.placement_gates(placement))}


def test_a_fresh_draft_lists_every_unmet_gate(pw):
    placement = new_placement(pw, transport="", provider_contact="")
    assert unmet(placement) == {
        "timetable",
        "provider_accepted",
        "consent",
        "plan",
        "sla",
        "la_informed",
        "risk_assessment",
        "arrangements",
        "contacts",
    }


def test_agree_refuses_listing_every_problem(pw):
    placement = new_placement(pw)
    lead = pw.personas["a.ap_lead"]
    lifecycle.timetable_set(by=lead, placement=placement, sessions=FULL_WEEK)
    lifecycle.placement_propose(by=lead, placement=placement)
    with pytest.raises(DomainError) as error:
        lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    problems = error.value.problems
    assert len(problems) == 6  # the provider's acceptance among them
    assert any(p.startswith("Parental consent:") for p in problems)
    assert any(p.startswith("Personalised plan:") for p in problems)
    assert any("SLA" in p for p in problems)
    assert any(p.startswith("Local authority informed:") for p in problems)
    assert any(p.startswith("Risk assessment:") for p in problems)
    placement.refresh_from_db()
    assert placement.status == "proposed"


def test_only_the_schools_headteacher_agrees(pw):
    placement = make_ready(pw, new_placement(pw))
    for key in ("a.ap_lead", "a.trust_admin", "a2.headteacher"):
        with pytest.raises(DomainError, match="Only the headteacher"):
            lifecycle.placement_agree(by=pw.personas[key], placement=placement)
    lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    placement.refresh_from_db()
    assert placement.status == "agreed"
    assert placement.approved_by == pw.personas["a.headteacher"].user
    assert placement.approved_at is not None


def test_activation_waits_for_the_start_date_and_schedules_a_review(pw, clock):
    placement = make_ready(pw, new_placement(pw))
    lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    lead = pw.personas["a.ap_lead"]
    with pytest.raises(DomainError, match="cannot be active before"):
        lifecycle.placement_activate(by=lead, placement=placement)
    lifecycle.placement_activate(by=lead, placement=placement, today=date(2026, 11, 30))
    placement.refresh_from_db()
    assert placement.status == "active"
    review = Review.objects.get(placement=placement, kind="scheduled")
    assert review.scheduled_for == date(2027, 1, 11)  # six weeks after the start


def test_provider_approval_must_cover_start_and_planned_end(pw):
    placement = make_ready(pw, new_placement(pw))
    approve(pw.providers["a"], until=date(2027, 2, 1))
    gate = next(g for g in gates.placement_gates(placement) if g.code == "provider")
    assert not gate.met and "before the planned end" in gate.message
    approve(pw.providers["a"], until=date(2027, 2, 12))
    assert "provider" not in unmet(placement)
    approve(pw.providers["a"], until=date(2026, 11, 29))
    assert "provider" in unmet(placement)


def test_an_unapproved_provider_blocks(pw):
    placement = make_ready(pw, new_placement(pw, provider="a_other"))
    gate = next(g for g in gates.placement_gates(placement) if g.code == "provider")
    assert not gate.met and "not approved" in gate.message


def test_consent_from_someone_without_parental_responsibility_is_refused(pw):
    placement = new_placement(pw)
    carer = CarerFactory(pupil=placement.pupil, name="Uncle Bob", has_parental_responsibility=False)
    with pytest.raises(DomainError, match="Uncle Bob does not have parental responsibility") as error:
        conditions.consent_record(
            by=pw.personas["a.ap_lead"], placement=placement, carer=carer, decision="given", method="phone"
        )
    assert error.value.field == "carer"
    assert not placement.consents.exists()


def test_a_refusal_is_recorded_and_blocks_unless_it_is_an_off_site_direction(pw):
    lead = pw.personas["a.ap_lead"]
    placement = new_placement(pw)
    carer = CarerFactory(pupil=placement.pupil)
    with pytest.raises(DomainError, match="Note what"):
        conditions.consent_record(
            by=lead, placement=placement, carer=carer, decision="refused", method="phone"
        )
    conditions.consent_record(
        by=lead,
        placement=placement,
        carer=carer,
        decision="refused",
        method="phone",
        note="Wants school only.",
    )
    gate = next(g for g in gates.placement_gates(placement) if g.code == "consent")
    assert not gate.met and "refused" in gate.message
    Placement.objects.filter(pk=placement.pk).update(reason="off_site")
    gate = next(g for g in gates.placement_gates(placement) if g.code == "consent")
    assert gate.met and "refusal is documented" in gate.message


@pytest.mark.parametrize("flag", ["ehcp", "looked_after"])
def test_ehcp_or_looked_after_needs_la_agreement(pw, flag):
    pupil = PupilFactory(school=pw.schools["a1"], **{flag: True, "responsible_la": "Leeds"})
    placement = make_ready(pw, new_placement(pw, pupil=pupil), sessions=TWO_MORNINGS)
    gate = next(g for g in gates.placement_gates(placement) if g.code == "consent")
    assert not gate.met and "local authority's agreement" in gate.message
    conditions.la_agreement_record(
        by=pw.personas["a.ap_lead"],
        placement=placement,
        local_authority="Leeds",
        officer_name="Ann Officer",
        agreed_on=date(2026, 11, 19),
    )
    assert "consent" not in unmet(placement)


def test_plan_needs_a_complete_target_and_reintegration_aim(pw):
    placement = new_placement(pw)
    with pytest.raises(DomainError) as error:
        conditions.plan_save(
            by=pw.personas["a.ap_lead"],
            placement=placement,
            reintegration_aim="",
            targets=[{"objective": "Attend", "baseline": "", "measure": "", "target_date": None}],
        )
    assert len(error.value.problems) == 2
    assert "reintegration aim" in error.value.problems[0]
    assert "Target 1: give its baseline, measure, target date" in error.value.problems[1]


def test_dates_out_of_order_are_refused(pw):
    with pytest.raises(DomainError, match="end date must come after"):
        lifecycle.placement_create(
            by=pw.personas["a.ap_lead"],
            pupil=PupilFactory(school=pw.schools["a1"]),
            provider=pw.providers["a"],
            reason="curriculum",
            start_date=date(2026, 12, 1),
            planned_end_date=date(2026, 12, 1),
        )
    assert not Placement.objects.exists()


def test_a_school_bound_person_cannot_place_another_schools_pupil(pw):
    with pytest.raises(DomainError, match="another school"):
        lifecycle.placement_create(
            by=pw.personas["a.ap_lead"],
            pupil=PupilFactory(school=pw.schools["a2"]),
            provider=pw.providers["a"],
            reason="curriculum",
            start_date=date(2026, 12, 1),
        )


def test_timetable_problems_are_all_listed_and_nothing_saved(pw):
    placement = new_placement(pw)
    TimetableSessionFactory(placement=placement)
    bad = [
        {"weekday": 0, "session": "am", "start_time": time(12, 0), "end_time": time(9, 0)},
        {"weekday": 0, "session": "am", "start_time": time(9, 0), "end_time": time(11, 0)},
    ]
    with pytest.raises(DomainError) as error:
        lifecycle.timetable_set(by=pw.personas["a.ap_lead"], placement=placement, sessions=bad)
    assert len(error.value.problems) == 2
    assert placement.sessions.count() == 1
    with pytest.raises(DomainError, match="at least one session"):
        lifecycle.timetable_set(by=pw.personas["a.ap_lead"], placement=placement, sessions=[])


def test_propose_needs_a_timetable(pw):
    placement = new_placement(pw)
    with pytest.raises(DomainError, match="at least one session"):
        lifecycle.placement_propose(by=pw.personas["a.ap_lead"], placement=placement)


def test_end_records_every_target_outcome_and_the_destination(pw, clock):
    placement = make_ready(pw, new_placement(pw))
    lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    lead = pw.personas["a.ap_lead"]
    lifecycle.placement_activate(by=lead, placement=placement, today=date(2026, 11, 30))
    target = placement.plan.targets.get()
    clock.move_to("2027-02-12 16:00 +00:00")
    with pytest.raises(DomainError) as error:
        reviews.placement_end(
            by=lead,
            placement=placement,
            ended_on=date(2027, 2, 12),
            ended_outcome="ended_early",
            outcome={"destination": ""},
            target_outcomes=[],
        )
    assert len(error.value.problems) == 3
    outcome = reviews.placement_end(
        by=lead,
        placement=placement,
        ended_on=date(2027, 2, 12),
        ended_outcome="completed",
        outcome={
            "destination": "mainstream",
            "attendance_percent": Decimal("91.5"),
            "pupil_assessment": "Good.",
        },
        target_outcomes=[{"target": target, "result": "achieved", "comment": "Every session."}],
    )
    placement.refresh_from_db()
    assert placement.status == "ended" and placement.ended_outcome == "completed"
    assert outcome.target_outcomes.get().result == "achieved"


def test_other_placements_of_the_pupil_are_shown_and_counted(pw):
    first = make_ready(pw, new_placement(pw), sessions=TWO_MORNINGS)
    lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=first)
    second = new_placement(pw, pupil=first.pupil, hours_at_school_per_week=Decimal("10"))
    TimetableSessionFactory(placement=second, weekday=4)
    others = list(selectors.other_current_placements(second))
    assert others == [first]
    education = selectors.weekly_education(second)
    assert education["elsewhere"] == Decimal("6") and education["total"] == Decimal("19")
    assert education["flag"]  # 19 hours against the school's 32.5
    assert any(g.code == "education_hours" and not g.blocking for g in gates.placement_gates(second))


def test_sla_superseded_by_a_later_change_and_outdated_signature_refused(
    pw, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the signed PDF is rendered after the commit
        placement = make_ready(pw, new_placement(pw))
    lead = pw.personas["a.ap_lead"]
    signed = placement.sla_versions.get()
    assert signed.fully_signed and signed.signed_pdf
    lifecycle.placement_update(by=lead, placement=placement, payment_terms="Monthly in arrears")
    signed.refresh_from_db()
    assert signed.superseded_at is not None
    assert "sla" in unmet(placement)
    # A change after signing builds the next version at once, for both sides to sign again.
    v2 = sla.sla_build_version(by=lead, placement=placement)
    assert v2.number == 2 and v2.superseded_at is None
    # A change after building v2, then a signature on it: refused, because it no longer matches.
    lifecycle.timetable_set(by=lead, placement=placement, sessions=TWO_MORNINGS)
    head = pw.personas["a.headteacher"]
    with pytest.raises(DomainError, match="out of date"):
        sla.sla_sign(by=head, version=v2)
    with pytest.raises(DomainError, match="out of date"):
        sla.sla_sign(by=head, version=signed)
    v3 = sla.sla_build_version(by=lead, placement=placement)
    assert v3.number == 3
    assert sla.sla_build_version(by=lead, placement=placement) == v3  # unchanged: same version
    assert SLAVersion.objects.filter(placement=placement, superseded_at__isnull=True).count() == 1


def test_a_side_cannot_sign_twice(pw):
    placement = make_ready(pw, new_placement(pw))
    version = placement.sla_versions.get()
    with pytest.raises(DomainError, match="already signed"):
        sla.sla_sign(by=pw.personas["a.headteacher"], version=version)


def test_changes_after_agreement_block_activation_until_resigned(pw):
    placement = make_ready(pw, new_placement(pw))
    lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    lead = pw.personas["a.ap_lead"]
    lifecycle.placement_update(by=lead, placement=placement, rate=Decimal("250"), rate_unit="week")
    with time_machine.travel("2026-11-30 10:00 +00:00", tick=False):
        with pytest.raises(DomainError, match="changed after the SLA was signed"):
            lifecycle.placement_activate(by=lead, placement=placement)
        version = sla.sla_build_version(by=lead, placement=placement)
        sla.sla_sign(by=school_signer(pw, placement), version=version)
        sla.sla_sign(by=provider_signer(pw, placement), version=version)
        lifecycle.placement_activate(by=lead, placement=placement)
