"""A cadence that runs itself: reviews and parent reviews scheduled at agreement and again whenever one is
held, put back by the reconciler if missing, and the provider's half-termly report asked for and chased once
each, with its attendance counted from the registers."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from placements import cadence, lifecycle, reviews, rules, tasks
from placements.agreements import first_weeks
from tests.conftest import sign_in
from tests.factories import ExpectedSessionFactory, RegisterMarkFactory
from tests.placements.conftest import make_ready, new_placement
from trusts.errors import DomainError
from trusts.models import Notification, Term, TrustPolicy


def _agreed(pw, **fields):
    placement = make_ready(pw, new_placement(pw, **fields))
    lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    return placement


def _active(pw, **fields):
    placement = _agreed(pw, **fields)
    lifecycle.placement_activate(by=pw.personas["a.ap_lead"], placement=placement, today=date(2026, 11, 30))
    placement.refresh_from_db()
    return placement


def _waiting(placement):
    return {
        r.kind: r.scheduled_for
        for r in placement.reviews.filter(held_on__isnull=True).order_by("scheduled_for")
    }


def _progress(placement):
    return [{"target": t, "rating": "some"} for t in placement.plan.targets.all()]


def test_half_terms_and_parent_review_dates_follow_the_calendar(pw):
    terms = list(Term.objects.filter(trust=pw.trust_a))
    assert rules.half_terms(terms)[:3] == [
        (date(2026, 9, 2), date(2026, 10, 25)),
        (date(2026, 10, 31), date(2026, 12, 18)),
        (date(2027, 1, 4), date(2027, 2, 14)),
    ]
    assert rules.parent_review_date(terms, after=date(2026, 11, 29)) == date(2026, 12, 4)
    assert rules.parent_review_date(terms, after=date(2026, 12, 4)) == date(2027, 3, 11)
    assert rules.parent_review_date(terms, after=date(2027, 7, 7)) is None  # no calendar beyond the year


def test_agreement_schedules_the_half_termly_and_the_parent_review(pw):
    placement = _agreed(pw)
    assert _waiting(placement) == {"parent": date(2026, 12, 4), "scheduled": date(2027, 1, 11)}


def test_no_parent_review_where_the_trust_does_not_hold_them(pw):
    TrustPolicy.objects.filter(trust=pw.trust_a).update(parent_review_termly=False)
    placement = _agreed(pw)
    assert _waiting(placement) == {"scheduled": date(2027, 1, 11)}


def test_holding_a_review_schedules_the_next_of_its_kind(pw, clock):
    placement = _active(pw, planned_end_date=date(2027, 7, 16))
    lead = pw.personas["a.ap_lead"]
    clock.move_to("2026-12-04 15:00 +00:00")
    parent = placement.reviews.get(kind="parent")
    reviews.review_record(by=lead, review=parent, held_on=date(2026, 12, 4), progress=_progress(placement))
    assert _waiting(placement)["parent"] == date(2027, 3, 11)  # two weeks before the spring term ends
    clock.move_to("2027-01-11 15:00 +00:00")
    half_termly = placement.reviews.get(kind="scheduled", held_on__isnull=True)
    reviews.review_record(
        by=lead, review=half_termly, held_on=date(2027, 1, 11), progress=_progress(placement)
    )
    assert _waiting(placement)["scheduled"] == date(2027, 2, 22)  # six weeks on, with no date typed


def test_no_parent_review_is_scheduled_after_the_planned_end(pw, clock):
    placement = _active(pw)  # ends 12 February 2027, before the spring parent review
    clock.move_to("2026-12-04 15:00 +00:00")
    parent = placement.reviews.get(kind="parent")
    reviews.review_record(
        by=pw.personas["a.ap_lead"], review=parent, held_on=date(2026, 12, 4), progress=_progress(placement)
    )
    assert "parent" not in _waiting(placement)


def test_a_review_takes_attendance_from_the_registers(pw, clock):
    placement = _active(pw)
    for day, status in (
        (date(2026, 11, 30), "present"),
        (date(2026, 12, 1), "late"),
        (date(2026, 12, 2), "absent"),
    ):
        RegisterMarkFactory(
            expected_session=ExpectedSessionFactory(placement=placement, date=day), status=status
        )
    clock.move_to("2026-12-04 15:00 +00:00")
    review = reviews.review_record(
        by=pw.personas["a.ap_lead"],
        review=placement.reviews.get(kind="parent"),
        held_on=date(2026, 12, 4),
        progress=_progress(placement),
    )
    assert str(review.attendance_percent) == "66.7"


def test_the_reconciler_puts_back_missing_reviews_once(pw):
    placement = _active(pw)
    placement.reviews.all().delete()
    counts = cadence.cadence_reconcile(today=date(2026, 12, 1))
    assert (counts["reviews"], counts["parent_reviews"], counts["reports_due"]) == (1, 1, 0)
    assert _waiting(placement) == {"parent": date(2026, 12, 4), "scheduled": date(2027, 1, 11)}
    assert cadence.cadence_reconcile(today=date(2026, 12, 1))["reviews"] == 0


def test_the_progress_report_is_asked_for_once_and_chased_once(pw, clock):
    placement = _active(pw)
    staff, lead = pw.personas["a.provider_staff"], pw.personas["a.ap_lead"]
    clock.move_to("2026-12-10 08:00 +00:00")
    tasks.reconcile_cadence_all_trusts()
    assert not Notification.objects.filter(kind__startswith="placements.provider_report").exists()
    clock.move_to("2026-12-11 08:00 +00:00")  # a week before the half-term ends
    tasks.reconcile_cadence_all_trusts()
    tasks.reconcile_cadence_all_trusts()
    due = Notification.objects.filter(kind="placements.provider_report_due")
    assert [(n.recipient_id, n.key) for n in due] == [
        (staff.user_id, f"provider-report-due:{placement.pk}:2026-12-18")
    ]
    clock.move_to("2026-12-24 08:00 +00:00")  # five days after the end: overdue
    tasks.reconcile_cadence_all_trusts()
    tasks.reconcile_cadence_all_trusts()
    overdue = Notification.objects.filter(kind="placements.provider_report_overdue")
    assert sorted(n.recipient_id for n in overdue) == sorted([staff.user_id, lead.user_id])
    assert all(n.urgent for n in overdue)
    reviews.provider_report_record(
        by=staff, placement=placement, period_ending=date(2026, 12, 18), progress="Settling in well."
    )
    Notification.objects.all().delete()
    tasks.reconcile_cadence_all_trusts()
    # The report is in: nothing more for that half-term.
    assert not Notification.objects.filter(kind__startswith="placements.provider_report").exists()


def test_the_progress_report_counts_attendance_from_the_registers(pw, clock, client):
    placement = _active(pw)
    marks = [("present", 30), ("present", 1), ("absent", 2), ("late", 3)]
    for status, day in marks:
        when = date(2026, 11, day) if day == 30 else date(2026, 12, day)
        RegisterMarkFactory(
            expected_session=ExpectedSessionFactory(placement=placement, date=when), status=status
        )
    clock.move_to("2026-12-18 15:00 +00:00")
    report = reviews.provider_report_record(
        by=pw.personas["a.provider_staff"],
        placement=placement,
        period_ending=date(2026, 12, 18),
        progress="Good start.",
        attendance="Missed one morning (dentist).",
    )
    assert (report.sessions_possible, report.sessions_attended) == (4, 3)
    assert str(report.attendance_percent) == "75.0"
    sign_in(client, pw.personas["a.ap_lead"])
    page = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk}))
    assert "attendance 75.0%, 3 of 4 sessions, from the registers" in page.content.decode()


def test_a_report_without_progress_is_refused(pw):
    placement = _active(pw)
    with pytest.raises(DomainError, match="progress"):
        reviews.provider_report_record(
            by=pw.personas["a.provider_staff"],
            placement=placement,
            period_ending=date(2026, 12, 18),
            progress=" ",
        )


def test_the_initial_assessment_is_asked_for_at_the_start_and_chased_after_a_week(pw, clock):
    placement = _active(pw)
    staff, lead = pw.personas["a.provider_staff"], pw.personas["a.ap_lead"]
    assert cadence.cadence_reconcile(today=date(2026, 11, 27))["assessments_due"] == 0  # not started yet
    assert cadence.cadence_reconcile(today=date(2026, 11, 30))["assessments_due"] == 1
    assert cadence.cadence_reconcile(today=date(2026, 12, 1))["assessments_due"] == 0  # once
    assert cadence.cadence_reconcile(today=date(2026, 12, 8))["assessments_overdue"] == 1
    assert Notification.objects.filter(
        recipient=lead.user, kind="placements.initial_assessment_overdue"
    ).exists()
    clock.move_to("2026-12-08 15:00 +00:00")
    first_weeks.initial_assessment_record(
        by=staff,
        placement=placement,
        assessed_on=date(2026, 12, 8),
        summary="Reading age 11; keen on practical work.",
    )
    Notification.objects.all().delete()
    counts = cadence.cadence_reconcile(today=date(2026, 12, 9))
    assert counts["assessments_due"] == counts["assessments_overdue"] == 0
