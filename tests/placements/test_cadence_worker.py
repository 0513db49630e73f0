"""A simulated term on a real Celery worker on Redis: every school day the cadence reconciler and the review
reminders run as the beat would send them; reviews are held on their day and progress reports written when
asked for (one of them late). Every review, parent review and progress report is asked for once, and only
the late report is chased."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django_scopes import scope, scopes_disabled

from apcommission.celery import app
from placements import lifecycle, reviews, tasks
from placements.agreements import first_weeks
from placements.models import Placement, Review
from tests.conftest import build_world
from tests.placements.conftest import add_calendar, approve, make_ready, new_placement
from trusts.models import Notification

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker():
    app.conf.update(task_always_eager=False)
    try:
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(task_always_eager=True)


def _at(day: date, hour: int = 8) -> str:
    return f"{day.isoformat()} {hour:02d}:00 +00:00"


def test_a_simulated_term_asks_for_everything_once_and_chases_only_what_is_late(celery_worker):
    with time_machine.travel(_at(date(2026, 11, 20), 10), tick=True) as clock:
        world = build_world()
        add_calendar(world.trust_a)
        approve(world.providers["a"])
        trust_id = world.trust_a.pk
        lead, staff = world.personas["a.ap_lead"], world.personas["a.provider_staff"]
        with scope(trust=trust_id):
            placement = make_ready(world, new_placement(world, planned_end_date=date(2027, 7, 16)))
            lifecycle.placement_agree(by=world.personas["a.headteacher"], placement=placement)
            placement = lifecycle.placement_activate(by=lead, placement=placement, today=date(2026, 11, 30))
        late_report = date(2027, 2, 14)
        day = date(2026, 11, 30)
        while day <= date(2027, 3, 26):
            if day.weekday() < 5:
                clock.move_to(_at(day))
                # As the beat would: each job for this trust, on the worker.
                tasks.reconcile_cadence.delay(trust_id=trust_id).get(timeout=30)
                tasks.remind_reviews.delay(trust_id=trust_id).get(timeout=30)
                clock.move_to(_at(day, 15))
                with scope(trust=trust_id):
                    for review in Review.objects.filter(
                        placement=placement, held_on__isnull=True, scheduled_for=day
                    ):
                        reviews.review_record(
                            by=lead,
                            review=review,
                            held_on=day,
                            progress=[{"target": t, "rating": "some"} for t in placement.plan.targets.all()],
                        )
                    if (
                        Notification.objects.filter(
                            recipient=staff.user, kind="placements.initial_assessment_due"
                        ).exists()
                        and not Placement.objects.get(pk=placement.pk).initial_assessment_on
                    ):
                        first_weeks.initial_assessment_record(
                            by=staff,
                            placement=placement,
                            assessed_on=day,
                            summary="Baseline in English and maths.",
                        )
                    asked = Notification.objects.filter(
                        recipient=staff.user, kind__startswith="placements.provider_report"
                    )
                    for note in asked:
                        period_end = date.fromisoformat(note.key.rsplit(":", 1)[1])
                        written = placement.provider_reports.filter(period_ending=period_end).exists()
                        if not written and (period_end != late_report or note.kind.endswith("overdue")):
                            reviews.provider_report_record(
                                by=staff, placement=placement, period_ending=period_end, progress="On track."
                            )
            day += timedelta(days=1)

    with scopes_disabled():
        held = list(
            Review.objects.filter(placement=placement, held_on__isnull=False)
            .order_by("held_on")
            .values_list("kind", "held_on")
        )
        assert held == [
            ("parent", date(2026, 12, 4)),
            ("scheduled", date(2027, 1, 11)),
            ("scheduled", date(2027, 2, 22)),
            ("parent", date(2027, 3, 11)),
        ]
        ids = dict(
            Review.objects.filter(placement=placement, held_on__isnull=False).values_list("held_on", "pk")
        )
        to_lead = Notification.objects.filter(recipient=lead.user)
        assert sorted(to_lead.filter(kind="placements.review").values_list("key", flat=True)) == sorted(
            f"review-due:{pk}" for pk in ids.values()
        )
        to_staff = Notification.objects.filter(
            recipient=staff.user, kind__startswith="placements.provider_report"
        )
        assert sorted(to_staff.values_list("key", flat=True)) == sorted(
            [
                f"provider-report-due:{placement.pk}:2026-12-18",
                f"provider-report-due:{placement.pk}:2027-02-14",
                f"provider-report-overdue:{placement.pk}:2027-02-14",
                f"provider-report-due:{placement.pk}:2027-03-25",
            ]
        )
        assert list(
            to_lead.filter(kind="placements.provider_report_overdue").values_list("key", flat=True)
        ) == [f"provider-report-overdue:{placement.pk}:2027-02-14"]
        # The initial assessment was asked for once, at the start, and made that day: never chased.
        assert list(
            Notification.objects.filter(kind__startswith="placements.initial_assessment").values_list(
                "key", flat=True
            )
        ) == [f"initial-assessment-due:{placement.pk}"]
        # Three reports, one a half-term each; the next half-termly and parent reviews are already waiting.
        assert placement.provider_reports.count() == 3
        assert set(
            Review.objects.filter(placement=placement, held_on__isnull=True).values_list(
                "kind", "scheduled_for"
            )
        ) == {("scheduled", date(2027, 4, 5)), ("parent", date(2027, 7, 7))}
