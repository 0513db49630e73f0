"""A closure recorded in the trust's calendar takes effect on attendance at once: the day's unmarked sessions
go (and with them the chase), the providers are told, and taking the closure back lays the sessions out again."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from attendance import services
from attendance.models import ChaseEvent, ExpectedSession
from tests.factories import MembershipFactory, RegisterMarkFactory, SchoolFactory
from trusts import schools
from trusts.errors import DomainError
from trusts.models import ClosureDay, Notification

LONDON = ZoneInfo("Europe/London")
TUE = date(2026, 11, 24)


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


@pytest.fixture
def today(setup, time_machine):
    time_machine.move_to(at(TUE, 7, 30), tick=False)
    services.expected_sessions_generate(placement=setup.placement, start=TUE, end=date(2026, 11, 27))
    return time_machine


def sessions_on(setup, day):
    return ExpectedSession.objects.filter(placement=setup.placement, date=day).count()


def test_a_snow_day_today_removes_todays_sessions_and_stops_the_chase(
    setup, today, django_capture_on_commit_callbacks
):
    assert sessions_on(setup, TUE) == 1
    today.move_to(at(TUE, 9, 40), tick=False)
    assert services.chase_run()["mark_missing"] == 1  # the chase had started
    with django_capture_on_commit_callbacks(execute=True):
        schools.closure_add(by=setup.head, day=TUE, kind="closure", reason="Snow", school=setup.school)
    assert sessions_on(setup, TUE) == 0
    assert not ChaseEvent.objects.exists()
    today.move_to(at(TUE, 11), tick=False)
    assert services.chase_run()["mark_missing"] == 0
    told = Notification.objects.filter(kind="calendar.closure").values_list("recipient_id", flat=True)
    assert setup.provider_staff.user_id in told
    assert sessions_on(setup, date(2026, 11, 25)) == 1  # other days untouched


def test_a_marked_session_stays_as_history(setup, today, django_capture_on_commit_callbacks):
    session = ExpectedSession.objects.get(placement=setup.placement, date=TUE)
    RegisterMarkFactory(expected_session=session, status="present", school_code="B")
    with django_capture_on_commit_callbacks(execute=True):
        schools.closure_add(by=setup.head, day=TUE, kind="closure", school=setup.school)
    assert sessions_on(setup, TUE) == 1


def test_taking_a_closure_back_lays_the_sessions_out_again(setup, today, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        closure = schools.closure_add(by=setup.head, day=TUE, kind="closure", school=setup.school)
    assert sessions_on(setup, TUE) == 0
    with django_capture_on_commit_callbacks(execute=True):
        schools.closure_remove(by=setup.head, closure=closure)
    assert sessions_on(setup, TUE) == 1


def test_a_trust_wide_closure_covers_every_school(setup, today, django_capture_on_commit_callbacks):
    admin = MembershipFactory(trust=setup.trust, role="trust_admin", school=None)
    with django_capture_on_commit_callbacks(execute=True):
        schools.closure_add(by=admin, day=TUE, kind="inset")
    assert sessions_on(setup, TUE) == 0


def test_bad_closures_are_refused(setup, today):
    schools.closure_add(by=setup.head, day=TUE, kind="closure", school=setup.school)
    with pytest.raises(DomainError, match="already marked"):
        schools.closure_add(by=setup.head, day=TUE, kind="inset", school=setup.school)
    with pytest.raises(DomainError, match="not a school day"):
        schools.closure_add(by=setup.head, day=date(2026, 11, 28), kind="closure", school=setup.school)
    with pytest.raises(DomainError, match="already marked"):
        schools.closure_add(by=setup.head, day=date(2026, 11, 27), kind="closure", school=setup.school)
    other = SchoolFactory(trust=setup.trust)
    with pytest.raises(DomainError, match="own school"):
        schools.closure_add(by=setup.head, day=date(2026, 11, 25), kind="closure", school=other)
    with pytest.raises(DomainError, match="own school"):
        schools.closure_add(by=setup.head, day=date(2026, 11, 25), kind="closure")
    with pytest.raises(DomainError):
        schools.closure_add(by=setup.ap_lead, day=date(2026, 11, 25), kind="closure", school=setup.school)
    assert ClosureDay.objects.filter(school=setup.school).count() == 1
