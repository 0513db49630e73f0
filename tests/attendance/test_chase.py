"""The chase chain as a reconciler: the right people, exactly once, whenever and however often it runs."""

import threading
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from attendance import services
from attendance.models import ChaseEvent, ExpectedSession
from tests.attendance.conftest import make_placement
from trusts.models import Notification

LONDON = ZoneInfo("Europe/London")
MON = date(2026, 11, 23)


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def session(setup, day=MON, kind="am"):
    return ExpectedSession.objects.get(placement=setup.placement, date=day, session=kind)


def sent(kind=None):
    qs = Notification.objects.all()
    if kind:
        qs = qs.filter(kind=f"attendance.{kind}")
    return sorted(qs.values_list("recipient_id", flat=True))


@pytest.fixture
def day(setup, time_machine):
    time_machine.move_to(at(MON, 8), tick=False)
    services.expected_sessions_generate(placement=setup.placement, start=MON, end=date(2026, 12, 5))
    return time_machine


def test_a_missing_mark_is_chased_after_thirty_minutes_once(setup, day):
    day.move_to(at(MON, 9, 29), tick=False)
    assert services.chase_run()["mark_missing"] == 0
    day.move_to(at(MON, 9, 30), tick=False)
    assert services.chase_run()["mark_missing"] == 1
    expected = sorted([setup.provider_staff.user_id, setup.attendance_officer.user_id])
    assert sent("mark_missing") == expected
    day.move_to(at(MON, 9, 45), tick=False)
    services.chase_run()
    assert sent("mark_missing") == expected


def test_the_deadline_is_the_trusts(setup, day):
    setup.trust.policy.register_mark_deadline_minutes = 15
    setup.trust.policy.save()
    day.move_to(at(MON, 9, 15), tick=False)
    assert services.chase_run()["mark_missing"] == 1


def test_a_missed_run_catches_up_later(setup, day):
    # The worker was down all morning: the afternoon run still chases the morning session, once.
    day.move_to(at(MON, 15), tick=False)
    counts = services.chase_run()
    assert counts["mark_missing"] == 2  # Monday morning and afternoon
    assert len(sent("mark_missing")) == 4


def test_unresolved_absence_goes_to_the_dsl_after_the_window(setup, day, django_capture_on_commit_callbacks):
    day.move_to(at(MON, 9, 5), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_record(session=session(setup), status="absent", by_user=setup.provider_staff.user)
    assert sent("absence") == [setup.attendance_officer.user_id]
    day.move_to(at(MON, 10, 4), tick=False)
    assert services.chase_run()["follow_up_overdue"] == 0
    day.move_to(at(MON, 10, 6), tick=False)
    assert services.chase_run()["follow_up_overdue"] == 1
    assert sent("follow_up_overdue") == sorted([setup.dsl.user_id, setup.trust_dsl.user_id])
    assert all(n.urgent for n in Notification.objects.filter(kind="attendance.follow_up_overdue"))
    services.chase_run()
    assert len(sent("follow_up_overdue")) == 2


def test_a_followed_up_absence_is_not_escalated(setup, day, django_capture_on_commit_callbacks):
    day.move_to(at(MON, 9, 5), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_record(session=session(setup), status="absent", by_user=setup.provider_staff.user)
    services.follow_up_record(
        follow_up=session(setup).follow_up,
        contacted_by="Ms Reid",
        contacted_at=at(MON, 9, 5),
        outcome="reason_given",
        reason="Dentist",
        code="M",
        by_user=setup.attendance_officer.user,
    )
    day.move_to(at(MON, 12), tick=False)
    assert services.chase_run()["follow_up_overdue"] == 0


def test_consecutive_absences_reach_the_head_and_dsl_once(setup, day):
    slots = [
        (MON, "am"),
        (MON, "pm"),
        (date(2026, 11, 24), "am"),
        (date(2026, 11, 25), "am"),
        (date(2026, 11, 26), "am"),
        (date(2026, 11, 30), "am"),
    ]
    for i, (d, kind) in enumerate(slots):
        day.move_to(at(d, 13 if kind == "pm" else 9, 5), tick=False)
        services.mark_record(
            session=session(setup, d, kind), status="absent", by_user=setup.provider_staff.user
        )
        counts = services.chase_run()
        expected = 1 if i == 5 else 0  # the policy's six sessions in a row
        assert counts["consecutive"] == expected, (i, counts)
    assert sent("consecutive") == sorted([setup.head.user_id, setup.dsl.user_id, setup.trust_dsl.user_id])
    notification = Notification.objects.filter(kind="attendance.consecutive").first()
    assert "missing education" in notification.subject
    assert notification.urgent
    # A seventh absence extends the same run: no new alert.
    day.move_to(at(date(2026, 12, 1), 9, 5), tick=False)
    services.mark_record(
        session=session(setup, date(2026, 12, 1)), status="absent", by_user=setup.provider_staff.user
    )
    services.chase_run()
    assert len(sent("consecutive")) == 3


def test_a_present_mark_breaks_the_run(setup, day):
    slots = [
        (MON, "am"),
        (MON, "pm"),
        (date(2026, 11, 24), "am"),
        (date(2026, 11, 25), "am"),
        (date(2026, 11, 26), "am"),
        (date(2026, 11, 30), "am"),
    ]
    for i, (d, kind) in enumerate(slots):
        day.move_to(at(d, 13 if kind == "pm" else 9, 5), tick=False)
        status = "present" if i == 2 else "absent"
        services.mark_record(
            session=session(setup, d, kind), status=status, by_user=setup.provider_staff.user
        )
    assert services.chase_run()["consecutive"] == 0


def test_another_trusts_sessions_are_not_touched(setup, day):
    from tests.factories import ProviderFactory, SchoolFactory, TermFactory

    other_term = TermFactory()
    with scopes_disabled():
        other = make_placement(
            school=SchoolFactory(trust=other_term.trust), provider=ProviderFactory(trust=other_term.trust)
        )
    with scope(trust=other.trust_id):
        services.expected_sessions_generate(placement=other, start=MON, end=date(2026, 11, 24))
    day.move_to(at(MON, 10), tick=False)
    counts = services.chase_run()
    assert counts["mark_missing"] == 1
    with scopes_disabled():
        assert not ChaseEvent.objects.filter(trust=other.trust).exists()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_notification_once(time_machine):
    from tests.factories import MembershipFactory, ProviderFactory, SchoolFactory, TermFactory
    from trusts.roles import Role

    term = TermFactory()
    school = SchoolFactory(trust=term.trust)
    provider = ProviderFactory(trust=term.trust)
    with scopes_disabled():
        placement = make_placement(school=school, provider=provider)
    for _ in range(3):
        MembershipFactory(trust=term.trust, role=Role.ATTENDANCE_OFFICER, school=school)
    MembershipFactory(trust=term.trust, role=Role.PROVIDER_STAFF, provider=provider, school=None)
    time_machine.move_to(at(MON, 8), tick=False)
    with scope(trust=term.trust_id):
        ExpectedSession.objects.filter(placement=placement).delete()
        services.expected_sessions_generate(placement=placement, start=MON, end=date(2026, 11, 24))
    time_machine.move_to(at(MON, 16), tick=False)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            with scope(trust=term.trust_id):
                barrier.wait()
                services.chase_run()
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with scope(trust=term.trust_id):
        # Two sessions (Monday am and pm) x four recipients, each once.
        assert Notification.objects.filter(kind="attendance.mark_missing").count() == 8
        assert ChaseEvent.objects.count() == 2
        assert not ChaseEvent.objects.filter(notified_at__isnull=True).exists()


def test_a_vulnerable_pupils_absence_reaches_the_dsls_at_once_as_urgent(
    setup, day, django_capture_on_commit_callbacks
):
    setup.pupil.looked_after = True
    setup.pupil.responsible_la = "Leeds"
    setup.pupil.save()
    day.move_to(at(MON, 9, 5), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_record(session=session(setup), status="absent", by_user=setup.provider_staff.user)
    assert sent("absence") == []
    assert sent("absence_vulnerable") == sorted(
        [setup.attendance_officer.user_id, setup.dsl.user_id, setup.trust_dsl.user_id]
    )
    notification = Notification.objects.filter(kind="attendance.absence_vulnerable").first()
    assert notification.urgent
    assert notification.key == f"chase:absence:{session(setup).pk}"
    # Initials only: the message leaves the system by email.
    assert setup.pupil.initials in notification.subject
    assert setup.pupil.legal_last_name not in notification.subject + notification.body
    services.chase_run()
    assert len(sent("absence_vulnerable")) == 3


def test_an_absence_the_school_asked_to_hear_of_goes_to_the_dsl_too(
    setup, day, django_capture_on_commit_callbacks
):
    arrangement = services.placement_register_arrangement(placement=setup.placement)
    arrangement.tell_dsl_of_absence = True
    arrangement.save()
    day.move_to(at(MON, 9, 5), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_record(session=session(setup), status="absent", by_user=setup.provider_staff.user)
    assert setup.dsl.user_id in sent("absence_vulnerable")


def test_an_ordinary_absence_is_not_urgent(setup, day, django_capture_on_commit_callbacks):
    day.move_to(at(MON, 9, 5), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_record(session=session(setup), status="absent", by_user=setup.provider_staff.user)
    assert not Notification.objects.get(kind="attendance.absence").urgent


def test_a_missing_mark_is_not_urgent(setup, day):
    day.move_to(at(MON, 10), tick=False)
    services.chase_run()
    assert not Notification.objects.filter(kind="attendance.mark_missing", urgent=True).exists()
    assert Notification.objects.filter(kind="attendance.mark_missing").exists()


def _chase_queries(setup, day, pupils):
    from django.test.utils import CaptureQueriesContext

    from placements.models import Placement

    with scopes_disabled():
        for _ in range(pupils - 1):
            make_placement(school=setup.school, provider=setup.provider, pm_weekdays=())
    for placement in Placement.objects.exclude(pk=setup.placement.pk):
        services.expected_sessions_generate(placement=placement, start=MON, end=date(2026, 11, 24))
    day.move_to(at(MON, 10), tick=False)
    with CaptureQueriesContext(connection) as captured:
        counts = services.chase_run()
    assert counts["mark_missing"] == pupils
    membership_reads = [q for q in captured.captured_queries if 'FROM "trusts_membership"' in q["sql"]]
    return len(captured.captured_queries), len(membership_reads)


@pytest.mark.parametrize("pupils", [2, 6])
def test_a_chase_run_reads_who_to_tell_once(setup, day, pupils):
    total, membership_reads = _chase_queries(setup, day, pupils)
    # One directory of people per run, however many steps it tells.
    assert membership_reads == 1
    # A fixed number per run, however many sessions are chased: policy, directory, the five steps' queries,
    # the missing marks' events (savepoint, insert, release), the pending steps, their notifications in one
    # statement, and the "told" stamp in one; a step with nothing to write writes nothing.
    assert total == 13, total


def _first_run_queries(setup, day, absent):
    """A busy morning: ``absent`` pupils marked absent and as many registers left unmarked, then the chase's
    first run over it and a second with nothing new."""
    from django.test.utils import CaptureQueriesContext

    from attendance.models import AbsenceFollowUp
    from placements.models import Placement

    with scopes_disabled():
        for _ in range(2 * absent - 1):
            make_placement(school=setup.school, provider=setup.provider, pm_weekdays=())
    placements = list(Placement.objects.order_by("pk"))
    for placement in placements:
        if placement.pk != setup.placement.pk:
            services.expected_sessions_generate(placement=placement, start=MON, end=date(2026, 11, 24))
    day.move_to(at(MON, 9, 5), tick=False)
    for placement in placements[:absent]:
        services.mark_record(
            session=ExpectedSession.objects.get(placement=placement, date=MON, session="am"),
            status="absent",
            by_user=setup.provider_staff.user,
        )
    day.move_to(at(MON, 10), tick=False)
    with CaptureQueriesContext(connection) as first:
        counts = services.chase_run()
    assert counts["absence"] == absent
    assert counts["mark_missing"] == absent
    assert AbsenceFollowUp.objects.filter(expected_session__date=MON).count() == absent
    # Each absence reached the attendance contact once, each missing mark the provider's staff once.
    assert len(sent("absence")) == absent
    assert ChaseEvent.objects.filter(notified_at__isnull=True).count() == 0
    with CaptureQueriesContext(connection) as again:
        assert services.chase_run()["absence"] == 0
    assert len(sent("absence")) == absent
    return len(first.captured_queries), len(again.captured_queries)


@pytest.mark.parametrize("absent", [2, 12])
def test_the_first_run_over_absences_is_a_fixed_number_of_queries(setup, day, absent):
    first, again = _first_run_queries(setup, day, absent)
    # Policy, directory, the five steps' reads, each step's events in one statement (in a savepoint), the
    # absences' follow-ups in one, the pending steps, their notifications and the "told" stamp: the same for
    # two absences as for twelve.
    assert first == 20, first
    assert again == 8, again


def test_each_kind_of_notification_goes_in_one_statement_however_many(setup, day, monkeypatch):
    # PostgreSQL takes a column's values as one array, so a run over a large trust writes no more statements
    # than over a small one: the rows-a-statement cap of the portable path does not apply.
    from trusts import services as trust_services

    monkeypatch.setattr(trust_services, "NOTIFICATIONS_A_STATEMENT", 1)
    first, _ = _first_run_queries(setup, day, 12)
    assert first == 20, first
