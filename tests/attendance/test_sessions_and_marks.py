import threading
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django_scopes import scope, scopes_disabled

from attendance import services
from attendance.models import ExpectedSession, RegisterArrangement, RegisterMark
from tests.attendance.conftest import make_placement
from tests.factories import TimetableSessionFactory
from trusts.errors import DomainError
from trusts.models import Notification

LONDON = ZoneInfo("Europe/London")


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def generate(setup, start=date(2026, 11, 23), end=date(2026, 12, 5)):
    return services.expected_sessions_generate(placement=setup.placement, start=start, end=end)


def test_sessions_follow_the_timetable_and_skip_closures(setup):
    generate(setup)
    sessions = list(ExpectedSession.objects.filter(placement=setup.placement))
    days = sorted({s.date for s in sessions})
    # Mon 23 - Fri 4 Dec, without the INSET Friday 27 Nov and the weekend.
    assert date(2026, 11, 27) not in days
    assert date(2026, 11, 28) not in days
    assert len(days) == 9
    pm = [s for s in sessions if s.session == "pm"]
    assert [s.date.weekday() for s in pm] == [0, 0]
    first = sessions[0]
    assert first.starts_at == at(date(2026, 11, 23), 9)
    assert first.pupil_id == setup.pupil.pk and first.provider_id == setup.provider.pk
    # Safe to repeat.
    assert generate(setup) == 0


def test_no_sessions_in_half_term_on_bank_holidays_or_outside_the_placement(setup):
    services.expected_sessions_generate(
        placement=setup.placement, start=date(2026, 10, 19), end=date(2026, 11, 3)
    )
    days = {s.date for s in ExpectedSession.objects.filter(placement=setup.placement)}
    assert days == {date(2026, 11, 2)}  # the placement starts on 2 Nov; 26-30 Oct is half-term
    services.expected_sessions_generate(
        placement=setup.placement, start=date(2026, 12, 14), end=date(2027, 1, 6)
    )
    days = {
        s.date for s in ExpectedSession.objects.filter(placement=setup.placement, date__gte=date(2026, 12, 1))
    }
    assert days == {date(2026, 12, d) for d in (14, 15, 16, 17, 18)} | {date(2027, 1, 4), date(2027, 1, 5)}


def test_a_timetable_change_changes_future_sessions_only(setup, time_machine):
    time_machine.move_to(at(date(2026, 11, 25), 10), tick=False)
    generate(setup)
    past = ExpectedSession.objects.get(placement=setup.placement, date=date(2026, 11, 24), session="am")
    services.mark_record(session=past, status="present", by_user=setup.provider_staff.user)
    # Thursdays now also have an afternoon session.
    TimetableSessionFactory(
        placement=setup.placement, weekday=3, session="pm", start_time=time(13), end_time=time(15)
    )
    services.expected_sessions_refresh(placement=setup.placement)
    sessions = ExpectedSession.objects.filter(placement=setup.placement)
    assert sessions.filter(date=date(2026, 11, 26), session="pm").exists()
    assert not sessions.filter(date=date(2026, 11, 19), session="pm").exists()  # the past is not rewritten
    assert RegisterMark.objects.filter(expected_session=past).exists()


def test_present_at_school_arranged_ap_is_code_b_and_la_arranged_is_k(setup, time_machine):
    time_machine.move_to(at(date(2026, 11, 23), 9, 5), tick=False)
    generate(setup)
    session = ExpectedSession.objects.get(placement=setup.placement, date=date(2026, 11, 23), session="am")
    mark = services.mark_record(session=session, status="present", by_user=setup.provider_staff.user)
    assert mark.school_code == "B"
    arrangement = RegisterArrangement.objects.get(placement=setup.placement)
    arrangement.arrangement = "local_authority"
    arrangement.save()
    mark = services.mark_record(
        session=session, status="late", late_minutes=10, by_user=setup.provider_staff.user
    )
    assert mark.school_code == "K"
    assert mark.history.count() == 2


def test_bad_marks_are_refused_and_change_nothing(setup, time_machine):
    time_machine.move_to(at(date(2026, 11, 23), 9, 5), tick=False)
    generate(setup)
    today = ExpectedSession.objects.get(placement=setup.placement, date=date(2026, 11, 23), session="am")
    tomorrow = ExpectedSession.objects.get(placement=setup.placement, date=date(2026, 11, 24), session="am")
    with pytest.raises(DomainError, match="can't be marked in advance"):
        services.mark_record(session=tomorrow, status="present", by_user=setup.provider_staff.user)
    with pytest.raises(DomainError, match="how many minutes late"):
        services.mark_record(session=today, status="late", by_user=setup.provider_staff.user)
    with pytest.raises(DomainError, match="Choose present"):
        services.mark_record(session=today, status="asleep", by_user=setup.provider_staff.user)
    assert not RegisterMark.objects.exists()


def test_guardrails_refuse_k_for_school_arranged_and_b_for_unsupervised(setup, time_machine):
    time_machine.move_to(at(date(2026, 11, 23), 9, 5), tick=False)
    generate(setup)
    session = ExpectedSession.objects.get(placement=setup.placement, date=date(2026, 11, 23), session="am")
    mark = services.mark_record(session=session, status="present", by_user=setup.provider_staff.user)
    with pytest.raises(DomainError, match="K is only for provision arranged by the local authority"):
        services.school_code_set(mark=mark, code="K", by_user=setup.attendance_officer.user)
    arrangement = RegisterArrangement.objects.get(placement=setup.placement)
    arrangement.supervised = False
    arrangement.save()
    with pytest.raises(DomainError, match="B is only for supervised education"):
        services.school_code_set(mark=mark, code="B", by_user=setup.attendance_officer.user)
    with pytest.raises(DomainError, match="an absence code does not fit"):
        services.school_code_set(mark=mark, code="O", by_user=setup.attendance_officer.user)
    with pytest.raises(DomainError, match="C2 is for sessions"):
        services.school_code_set(mark=mark, code="C2", by_user=setup.attendance_officer.user)
    with pytest.raises(DomainError, match="not a code"):
        services.school_code_set(mark=mark, code="ZZ", by_user=setup.attendance_officer.user)
    mark.refresh_from_db()
    assert mark.school_code == "B"


def test_an_absence_tells_the_attendance_officer_at_once(
    setup, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(at(date(2026, 11, 23), 9, 5), tick=False)
    generate(setup)
    session = ExpectedSession.objects.get(placement=setup.placement, date=date(2026, 11, 23), session="am")
    with django_capture_on_commit_callbacks(execute=True):
        mark = services.mark_record(
            session=session,
            status="absent",
            absence_reason="Mum phoned: ill",
            by_user=setup.provider_staff.user,
        )
    assert mark.school_code == "N"
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert recipients == {setup.attendance_officer.user_id}
    assert session.follow_up.closed_at is None


def test_a_looked_after_pupils_absence_also_goes_to_the_dsls(
    setup, time_machine, django_capture_on_commit_callbacks
):
    setup.pupil.looked_after = True
    setup.pupil.responsible_la = "Leeds"
    setup.pupil.save()
    time_machine.move_to(at(date(2026, 11, 23), 9, 5), tick=False)
    generate(setup)
    session = ExpectedSession.objects.get(placement=setup.placement, date=date(2026, 11, 23), session="am")
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_record(session=session, status="absent", by_user=setup.provider_staff.user)
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert recipients == {setup.attendance_officer.user_id, setup.dsl.user_id, setup.trust_dsl.user_id}
    assert Notification.objects.filter(urgent=True).count() == 3
    assert all("Pupil" not in m.body for m in mail.outbox)  # emails carry initials only


def test_follow_up_closes_the_alert_and_sets_the_code(
    setup, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(at(date(2026, 11, 23), 9, 5), tick=False)
    generate(setup)
    session = ExpectedSession.objects.get(placement=setup.placement, date=date(2026, 11, 23), session="am")
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_record(session=session, status="absent", by_user=setup.provider_staff.user)
    follow_up = session.follow_up
    with pytest.raises(DomainError, match="future"):
        services.follow_up_record(
            follow_up=follow_up,
            contacted_by="Ms Khan",
            contacted_at=at(date(2026, 11, 23), 11),
            outcome="reason_given",
            reason="Ill",
            code="I",
            by_user=setup.attendance_officer.user,
        )
    with pytest.raises(DomainError, match="K is only"):
        services.follow_up_record(
            follow_up=follow_up,
            contacted_by="Ms Khan",
            contacted_at=at(date(2026, 11, 23), 9),
            outcome="reason_given",
            reason="Ill",
            code="K",
            by_user=setup.attendance_officer.user,
        )
    follow_up.refresh_from_db()
    assert follow_up.closed_at is None
    services.follow_up_record(
        follow_up=follow_up,
        contacted_by="Ms Khan",
        contacted_at=at(date(2026, 11, 23), 9),
        outcome="reason_given",
        reason="Ill",
        code="I",
        by_user=setup.attendance_officer.user,
    )
    follow_up.refresh_from_db()
    assert follow_up.closed_at is not None
    assert session.mark.__class__.objects.get(pk=session.mark.pk).school_code == "I"


@pytest.mark.django_db(transaction=True)
def test_two_people_marking_at_once_end_in_one_mark_with_both_in_history(time_machine):
    from tests.attendance.conftest import Setup  # noqa: F401
    from tests.factories import MembershipFactory, ProviderFactory, SchoolFactory, TermFactory
    from trusts.roles import Role

    time_machine.move_to(at(date(2026, 11, 23), 9, 5), tick=False)
    term = TermFactory()
    school = SchoolFactory(trust=term.trust)
    provider = ProviderFactory(trust=term.trust)
    with scopes_disabled():
        placement = make_placement(school=school, provider=provider)
    a = MembershipFactory(trust=term.trust, role=Role.PROVIDER_STAFF, provider=provider, school=None)
    b = MembershipFactory(trust=term.trust, role=Role.PROVIDER_STAFF, provider=provider, school=None)
    with scope(trust=term.trust_id):
        services.expected_sessions_generate(
            placement=placement, start=date(2026, 11, 23), end=date(2026, 11, 24)
        )
        session = ExpectedSession.objects.get(placement=placement, date=date(2026, 11, 23), session="am")
    barrier = threading.Barrier(2)
    errors = []

    def mark(user, status):
        try:
            with scope(trust=term.trust_id):
                barrier.wait()
                services.mark_record(
                    session=session, status=status, late_minutes=5 if status == "late" else None, by_user=user
                )
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=mark, args=(a.user, "present")),
        threading.Thread(target=mark, args=(b.user, "late")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with scope(trust=term.trust_id):
        marks = RegisterMark.objects.filter(expected_session=session)
        assert marks.count() == 1
        mark = marks.get()
        assert mark.version == 2
        assert {h.status for h in mark.history.all()} == {"present", "late"}
        assert {h.marked_by_id for h in mark.history.all()} == {a.user_id, b.user_id}


@pytest.mark.django_db(transaction=True)
def test_two_phones_with_the_same_version_at_once_the_first_wins_the_second_is_refused(time_machine):
    from tests.factories import MembershipFactory, ProviderFactory, SchoolFactory, TermFactory
    from trusts.roles import Role

    time_machine.move_to(at(date(2026, 11, 23), 9, 5), tick=False)
    term = TermFactory()
    school = SchoolFactory(trust=term.trust)
    provider = ProviderFactory(trust=term.trust)
    with scopes_disabled():
        placement = make_placement(school=school, provider=provider)
    a = MembershipFactory(trust=term.trust, role=Role.PROVIDER_STAFF, provider=provider, school=None)
    b = MembershipFactory(trust=term.trust, role=Role.PROVIDER_STAFF, provider=provider, school=None)
    with scope(trust=term.trust_id):
        services.expected_sessions_generate(
            placement=placement, start=date(2026, 11, 23), end=date(2026, 11, 24)
        )
        session = ExpectedSession.objects.get(placement=placement, date=date(2026, 11, 23), session="am")
        services.mark_record(session=session, status="present", by_user=a.user)
    barrier = threading.Barrier(2)
    saved, refused, errors = [], [], []

    def mark(user, status):
        try:
            with scope(trust=term.trust_id):
                barrier.wait()
                saved.append(
                    services.mark_record(
                        session=session,
                        status=status,
                        late_minutes=5 if status == "late" else None,
                        expected_version=1,
                        by_user=user,
                    ).status
                )
        except services.StaleMarkError as error:
            refused.append((status, error))
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=mark, args=(a.user, "absent")),
        threading.Thread(target=mark, args=(b.user, "late")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(saved) == 1 and len(refused) == 1
    (lost_status, error) = refused[0]
    assert lost_status != saved[0]
    assert error.current.status == saved[0]
    assert f"your {lost_status} mark was not saved" in error.message
    with scope(trust=term.trust_id):
        mark = RegisterMark.objects.get(expected_session=session)
        assert (mark.status, mark.version) == (saved[0], 2)
        assert {h.status for h in mark.history.all()} == {"present", saved[0]}


def test_a_page_that_showed_no_mark_cannot_overwrite_one_made_meanwhile(setup, time_machine):
    time_machine.move_to(at(date(2026, 11, 23), 9, 5), tick=False)
    generate(setup, end=date(2026, 11, 24))
    session = ExpectedSession.objects.get(placement=setup.placement, date=date(2026, 11, 23), session="am")
    services.mark_record(session=session, status="absent", by_user=setup.provider_staff.user)
    with pytest.raises(services.StaleMarkError) as refused:
        services.mark_record(
            session=session,
            status="present",
            expected_version=services.UNMARKED_VERSION,
            by_user=setup.provider_staff.user,
        )
    assert refused.value.current.status == "absent"
    assert "That mark stands" in refused.value.message
    mark = RegisterMark.objects.get(expected_session=session)
    assert (mark.status, mark.version) == ("absent", 1)
    # Without a version (an API caller that did not see the page), the latest mark still wins.
    services.mark_record(session=session, status="present", by_user=setup.provider_staff.user)
    assert RegisterMark.objects.get(expected_session=session).status == "present"
