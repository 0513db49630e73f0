from datetime import UTC, date, datetime

import pytest

from placements import lifecycle, reminders, reviews, tasks
from placements.models import Placement, Review
from tests.factories import ReviewFactory, TimetableSessionFactory
from tests.placements.conftest import make_ready, new_placement
from trusts.errors import DomainError
from trusts.models import Notification, TrustPolicy


def _active(pw):
    placement = make_ready(pw, new_placement(pw))
    lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    lifecycle.placement_activate(by=pw.personas["a.ap_lead"], placement=placement, today=date(2026, 11, 30))
    placement.refresh_from_db()
    return placement


def _incident(pw, placement, by="a.provider_staff", n=1):
    return reviews.incident_record(
        by=pw.personas[by],
        placement=placement,
        occurred_at=datetime(2026, 11, 19 - n, 11, 0, tzinfo=UTC),
        category="disruption",
        description=f"Incident {n}",
    )


def test_third_incident_calls_one_emergency_review_and_tells_ap_lead_and_dsl_once(pw):
    placement = _active(pw)
    _incident(pw, placement, n=1)
    _incident(pw, placement, by="a.ap_lead", n=2)
    assert not Review.objects.filter(placement=placement, kind="emergency").exists()
    _incident(pw, placement, n=3)
    _incident(pw, placement, n=4)
    review = Review.objects.get(placement=placement, kind="emergency")
    # Three school days after Friday 20 November, skipping the weekend: Wednesday 25.
    assert review.scheduled_for == date(2026, 11, 25)
    recipients = set(
        Notification.objects.filter(key=f"emergency-review:{placement.pk}:{review.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"a-ap_lead", "a-school_dsl"}


def test_provider_staff_only_report_on_their_own_providers_placements(pw):
    placement = _active(pw)
    Placement.objects.filter(pk=placement.pk).update(provider=pw.providers["a_other"])
    placement.refresh_from_db()
    with pytest.raises(DomainError, match="another provider"):
        _incident(pw, placement)
    with pytest.raises(DomainError, match="another provider"):
        reviews.provider_report_record(
            by=pw.personas["a.provider_staff"],
            placement=placement,
            period_ending=date(2026, 12, 18),
            attendance="Good",
            progress="Good",
        )


def _no_parent_reviews(world):
    # These tests follow the half-termly review alone; the termly parent review has its own tests.
    TrustPolicy.objects.filter(trust=world.trust_a).update(parent_review_termly=False)


def test_review_reminders_due_and_overdue_are_sent_once(pw, clock):
    _no_parent_reviews(pw)
    placement = _active(pw)
    review = placement.reviews.get()  # 11 January 2027
    assert tasks.remind_reviews_all_trusts() == 2
    assert not Notification.objects.filter(kind="placements.review").exists()
    clock.move_to("2027-01-05 08:00 +00:00")
    tasks.remind_reviews_all_trusts()
    tasks.remind_reviews_all_trusts()
    assert list(Notification.objects.filter(kind="placements.review").values_list("key", flat=True)) == [
        f"review-due:{review.pk}"
    ]
    clock.move_to("2027-01-12 08:00 +00:00")
    tasks.remind_reviews_all_trusts()
    tasks.remind_reviews_all_trusts()
    keys = sorted(Notification.objects.filter(kind="placements.review").values_list("key", flat=True))
    assert keys == [f"review-due:{review.pk}", f"review-overdue:{review.pk}"]


def test_unsigned_sla_reminder_within_the_warning_window_once(pw):
    placement = new_placement(pw, start_date=date(2026, 12, 7))  # 17 days away: outside the 10-day window
    TimetableSessionFactory(placement=placement)
    assert reminders.sla_unsigned_remind() == 0
    Placement.objects.filter(pk=placement.pk).update(start_date=date(2026, 11, 30))
    tasks.remind_unsigned_slas_all_trusts()
    tasks.remind_unsigned_slas_all_trusts()
    notes = Notification.objects.filter(kind="placements.sla_unsigned")
    assert sorted(notes.values_list("recipient__username", flat=True)) == ["a-ap_lead", "a-headteacher"]


def test_part_time_timetable_past_its_review_date_reminded_once(pw, clock):
    placement = _active(pw)
    placement.sessions.exclude(weekday=0).delete()  # down to part-time
    Placement.objects.filter(pk=placement.pk).update(part_time_review_date=date(2026, 12, 14))
    clock.move_to("2026-12-14 09:00 +00:00")
    assert reminders.part_time_reviews_remind() == 0  # on the day is not past
    clock.move_to("2026-12-15 09:00 +00:00")
    tasks.remind_part_time_reviews_all_trusts()
    tasks.remind_part_time_reviews_all_trusts()
    assert Notification.objects.filter(kind="placements.part_time_review").count() == 1


def test_review_record_needs_progress_on_every_target_and_schedules_the_next(pw, clock):
    _no_parent_reviews(pw)
    placement = _active(pw)
    review = placement.reviews.get()
    lead = pw.personas["a.ap_lead"]
    clock.move_to("2027-01-11 15:00 +00:00")
    with pytest.raises(DomainError, match="Rate the progress"):
        reviews.review_record(by=lead, review=review, held_on=date(2027, 1, 11), progress=[])
    target = placement.plan.targets.get()
    reviews.review_record(
        by=lead,
        review=review,
        held_on=date(2027, 1, 11),
        progress=[{"target": target, "rating": "good", "comment": "Much better"}],
        next_review_date=date(2027, 2, 22),
        attendance="All but one session",
        pupil_voice="I like it",
    )
    assert placement.reviews.filter(held_on__isnull=True).get().scheduled_for == date(2027, 2, 22)
    with pytest.raises(DomainError, match="already"):
        reviews.review_record(by=lead, review=review, held_on=date(2027, 1, 11), progress=[])


def test_reviews_only_for_committed_placements(pw):
    placement = new_placement(pw)
    with pytest.raises(DomainError):
        reviews.review_schedule(
            by=pw.personas["a.ap_lead"], placement=placement, scheduled_for=date(2027, 1, 1)
        )
    assert ReviewFactory  # the factory serves the sweep


def test_an_incident_tells_the_ap_lead_and_the_dsl_at_once(pw):
    placement = _active(pw)
    incident = _incident(pw, placement)
    told = Notification.objects.filter(kind="placements.incident", key=f"incident:{incident.pk}")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["a-ap_lead", "a-school_dsl"]
    assert placement.pupil.legal_last_name not in told.first().subject


def test_each_new_run_of_incidents_calls_its_own_emergency_review(pw):
    placement = _active(pw)
    for n in range(1, 7):
        _incident(pw, placement, n=n)
    reviews_called = Review.objects.filter(placement=placement, kind="emergency")
    assert reviews_called.count() == 2
    assert Notification.objects.filter(kind="placements.emergency_review").count() == 4
    _incident(pw, placement, n=7)
    assert reviews_called.count() == 2


def test_incidents_outside_the_trusts_window_do_not_count(pw):
    from trusts.models import TrustPolicy

    TrustPolicy.objects.filter(trust=pw.trust_a).update(emergency_review_window_days=3)
    placement = _active(pw)
    for n in (1, 5, 9):  # 19, 15 and 11 November: only one within three days of the 20th
        _incident(pw, placement, n=n)
    assert not Review.objects.filter(placement=placement, kind="emergency").exists()
    _incident(pw, placement, n=2)
    _incident(pw, placement, n=0)
    assert Review.objects.filter(placement=placement, kind="emergency").count() == 1
