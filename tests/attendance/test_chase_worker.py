"""A school day driven with the clock, the chase chain running on a real Celery worker on Redis: each
notification arrives once, also when the task runs twice or two runs overlap."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from celery.contrib.testing.worker import start_worker
from django_scopes import scope, scopes_disabled

from apcommission.celery import app
from attendance import services
from attendance.models import ExpectedSession
from attendance.tasks import chase
from tests.attendance.conftest import build_setup, make_placement
from tests.factories import PupilFactory
from trusts.models import Notification

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


class Worker:
    """Started after the day's data exists, so the set-up's own tasks run in-process first."""

    def __enter__(self):
        app.conf.update(task_always_eager=False)
        self._context = start_worker(
            app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10
        )
        self._context.__enter__()
        return self

    def __exit__(self, *exc):
        try:
            self._context.__exit__(*exc)
        finally:
            app.conf.update(task_always_eager=True)


def run_chase(trust_id, times=1):
    results = [chase.delay(trust_id=trust_id) for _ in range(times)]
    return [r.get(timeout=30) for r in results]


def notifications(trust):
    with scopes_disabled():
        return sorted(Notification.objects.filter(trust=trust).values_list("kind", "recipient__username"))


def test_a_day_of_chasing_on_a_real_worker(time_machine):
    time_machine.move_to(at(date(2026, 11, 23), 7, 30), tick=True)
    s = build_setup()
    with scopes_disabled():
        looked_after = make_placement(
            school=s.school,
            provider=s.provider,
            pupil=PupilFactory(school=s.school, looked_after=True, responsible_la="Leeds"),
            pm_weekdays=(),
        )
        missing_run = make_placement(school=s.school, provider=s.provider, pm_weekdays=())
    with scope(trust=s.trust.pk):
        ExpectedSession.objects.all().delete()
        for placement in (s.placement, looked_after):
            services.expected_sessions_generate(
                placement=placement, start=date(2026, 11, 23), end=date(2026, 11, 24)
            )
        services.expected_sessions_generate(
            placement=missing_run, start=date(2026, 11, 16), end=date(2026, 11, 24)
        )
        # The week before: the third pupil was absent every session up to this morning.
        for session in ExpectedSession.objects.filter(placement=missing_run).order_by("starts_at"):
            time_machine.move_to(session.starts_at, tick=True)
            services.mark_record(
                session=session, status="absent", by_user=s.provider_staff.user, now=session.starts_at
            )
            services.follow_up_record(
                follow_up=services.AbsenceFollowUp.objects.get_or_create(
                    expected_session=session, defaults={"trust": s.trust, "opened_at": session.starts_at}
                )[0],
                contacted_by="Ms Reid",
                contacted_at=session.starts_at,
                outcome="no_contact",
                reason="No answer",
                code="O",
                by_user=s.attendance_officer.user,
                now=session.starts_at,
            ) if session.date < date(2026, 11, 23) else None
        Notification.objects.all().delete()
        from attendance.models import ChaseEvent

        ChaseEvent.objects.all().delete()

    with Worker():
        # 09:05 the provider marks the looked-after pupil absent: the attendance officer and DSLs hear at once.
        time_machine.move_to(at(date(2026, 11, 23), 9, 5), tick=True)
        with scope(trust=s.trust.pk):
            la_session = ExpectedSession.objects.get(placement=looked_after, date=date(2026, 11, 23))
            services.mark_record(session=la_session, status="absent", by_user=s.provider_staff.user)
        run_chase(s.trust.pk)
        after_absence = notifications(s.trust)
        assert ("attendance.absence_vulnerable", s.dsl.user.username) in after_absence
        assert ("attendance.absence_vulnerable", s.attendance_officer.user.username) in after_absence

        # 09:40 nobody has marked the first pupil: provider staff and attendance officer are told, once,
        # however many runs happen, at once or one after the other.
        time_machine.move_to(at(date(2026, 11, 23), 9, 40), tick=True)
        run_chase(s.trust.pk, times=3)
        run_chase(s.trust.pk)
        missing = [n for n in notifications(s.trust) if n[0] == "attendance.mark_missing"]
        # Only the first pupil's morning is unmarked: two staff, each once.
        assert sorted(missing) == sorted(
            [
                ("attendance.mark_missing", s.provider_staff.user.username),
                ("attendance.mark_missing", s.attendance_officer.user.username),
            ]
        )

        # 10:10 the absences have no follow-up: the DSLs.
        time_machine.move_to(at(date(2026, 11, 23), 10, 10), tick=True)
        run_chase(s.trust.pk, times=2)
        overdue = [n for n in notifications(s.trust) if n[0] == "attendance.follow_up_overdue"]
        # Two absences this morning have no follow-up (the looked-after pupil's, and the third pupil's).
        assert sorted(u for _, u in overdue) == sorted([s.dsl.user.username, s.trust_dsl.user.username] * 2)

        # The run of absences: head and DSLs, as a possible child missing education, once.
        consecutive = [n for n in notifications(s.trust) if n[0] == "attendance.consecutive"]
        assert sorted(u for _, u in consecutive) == sorted(
            [s.head.user.username, s.dsl.user.username, s.trust_dsl.user.username]
        )

        # Everything again, twice at once: nothing new.
        before = notifications(s.trust)
        run_chase(s.trust.pk, times=2)
        assert notifications(s.trust) == before


def test_an_unmarked_looked_after_pupil_reaches_the_dsl_within_35_minutes_once(time_machine):
    """Nobody marks a looked-after pupil: by 09:35 the DSL knows, once however many runs overlap; still
    unmarked an interval later, the head hears too. An ordinary pupil's missing mark stays with attendance."""
    day = date(2026, 11, 23)
    time_machine.move_to(at(day, 7, 30), tick=True)
    s = build_setup()
    with scopes_disabled():
        looked_after = make_placement(
            school=s.school,
            provider=s.provider,
            pupil=PupilFactory(school=s.school, looked_after=True, responsible_la="Leeds"),
            pm_weekdays=(),
        )
    with scope(trust=s.trust.pk):
        ExpectedSession.objects.all().delete()
        for placement in (s.placement, looked_after):
            services.expected_sessions_generate(placement=placement, start=day, end=date(2026, 11, 24))
        Notification.objects.all().delete()

    def told(kind):
        return sorted(u for k, u in notifications(s.trust) if k == kind)

    with Worker():
        time_machine.move_to(at(day, 9, 20), tick=True)
        run_chase(s.trust.pk, times=2)
        assert told("attendance.mark_missing_vulnerable") == []

        time_machine.move_to(at(day, 9, 31), tick=True)
        run_chase(s.trust.pk, times=2)
        run_chase(s.trust.pk)
        assert s.dsl.user.username in told("attendance.mark_missing_vulnerable"), notifications(s.trust)
        assert told("attendance.mark_missing_vulnerable").count(s.dsl.user.username) == 1
        # The ordinary pupil's missing mark: provider and attendance officer only.
        assert s.dsl.user.username not in told("attendance.mark_missing")
        assert told("attendance.unaccounted") == []

        time_machine.move_to(at(day, 10, 1), tick=True)
        run_chase(s.trust.pk, times=2)
        run_chase(s.trust.pk)
        assert told("attendance.unaccounted") == sorted([s.head.user.username, s.dsl.user.username])
    with scopes_disabled():
        note = Notification.objects.get(kind="attendance.mark_missing_vulnerable", recipient=s.dsl.user)
        assert note.urgent and note.created_at <= at(day, 9, 35)
