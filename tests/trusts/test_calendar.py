from datetime import date

import pytest
from django_scopes import scope

from tests.factories import ClosureDayFactory, SchoolFactory, TermFactory
from trusts.calendar import (
    CalendarError,
    SchoolCalendar,
    add_school_days,
    calendars_for,
    is_school_day,
    school_days_between,
)


@pytest.fixture
def school(db):
    term = TermFactory()  # Autumn 2026: 2 Sep to 18 Dec, half-term 26 to 30 Oct
    school = SchoolFactory(trust=term.trust)
    ClosureDayFactory(trust=term.trust, school=None, date=date(2026, 11, 27))  # trust INSET, a Friday
    other = SchoolFactory(trust=term.trust)
    ClosureDayFactory(trust=term.trust, school=other, date=date(2026, 12, 3))  # another school's closure
    TermFactory(
        academic_year=term.academic_year,
        name="spring",
        start_date=date(2027, 1, 4),
        end_date=date(2027, 3, 25),
        half_term_start=date(2027, 2, 15),
        half_term_end=date(2027, 2, 19),
    )
    with scope(trust=term.trust_id):
        yield school


def test_weekdays_in_term_are_school_days(school):
    assert is_school_day(school=school, day=date(2026, 11, 23))  # Monday
    assert not is_school_day(school=school, day=date(2026, 11, 22))  # Sunday


def test_half_term_edges(school):
    cal = SchoolCalendar(school)
    assert cal.is_school_day(date(2026, 10, 23))  # Friday before
    assert cal.why_not_school_day(date(2026, 10, 26)) == "half-term"
    assert cal.why_not_school_day(date(2026, 10, 30)) == "half-term"
    assert cal.is_school_day(date(2026, 11, 2))  # Monday after


def test_term_edges_and_holidays(school):
    cal = SchoolCalendar(school)
    assert cal.is_school_day(date(2026, 9, 2))
    assert cal.why_not_school_day(date(2026, 9, 1)) == "school holiday"
    assert cal.is_school_day(date(2026, 12, 18))
    assert cal.why_not_school_day(date(2026, 12, 21)) == "school holiday"


def test_closures_apply_to_the_trust_or_the_one_school(school):
    cal = SchoolCalendar(school)
    assert cal.why_not_school_day(date(2026, 11, 27)) == "closure or INSET day"
    assert cal.is_school_day(date(2026, 12, 3))  # the other school's closure does not count here


def test_bank_holiday_inside_a_term(db):
    term = TermFactory(
        start_date=date(2027, 4, 12),
        end_date=date(2027, 7, 21),
        name="summer",
        half_term_start=date(2027, 6, 1),
        half_term_end=date(2027, 6, 4),
    )
    school = SchoolFactory(trust=term.trust)
    with scope(trust=term.trust_id):
        why = SchoolCalendar(school).why_not_school_day(date(2027, 5, 3))  # Early May bank holiday
    assert why.startswith("bank holiday")


def test_school_days_between_is_half_open(school):
    # Mon 23 Nov to Mon 30 Nov 2026: Mon-Thu count, Fri 27 is INSET, so 4.
    assert school_days_between(school=school, start=date(2026, 11, 23), end=date(2026, 11, 30)) == 4
    assert school_days_between(school=school, start=date(2026, 11, 23), end=date(2026, 11, 23)) == 0
    assert school_days_between(school=school, start=date(2026, 11, 23), end=date(2026, 11, 24)) == 1


def test_add_school_days_skips_weekends_closures_and_holidays(school):
    assert add_school_days(school=school, start=date(2026, 11, 23), days=2) == date(2026, 11, 25)
    # Thursday 26 + 1 skips the INSET Friday and the weekend.
    assert add_school_days(school=school, start=date(2026, 11, 26), days=1) == date(2026, 11, 30)
    # From the last day of autumn term, the next school day is after Christmas, skipping the spring INSET-free start.
    assert add_school_days(school=school, start=date(2026, 12, 18), days=1) == date(2027, 1, 4)
    # Over half-term.
    assert add_school_days(school=school, start=date(2026, 10, 23), days=1) == date(2026, 11, 2)


def test_add_school_days_refuses_nonsense(school):
    with pytest.raises(CalendarError):
        add_school_days(school=school, start=date(2026, 11, 23), days=0)
    with pytest.raises(CalendarError):
        add_school_days(
            school=school, start=date(2027, 3, 25), days=1
        )  # no term after spring in this calendar


def test_calendar_loads_with_two_queries(school, django_assert_num_queries):
    with django_assert_num_queries(2):
        cal = SchoolCalendar(school)
    with django_assert_num_queries(0):
        cal.school_days(date(2026, 9, 1), date(2027, 3, 1))


def test_calendars_for_many_schools_answer_as_each_school_s_own(school, django_assert_num_queries):
    from trusts.models import School

    schools = list(School.objects.filter(trust_id=school.trust_id))
    with django_assert_num_queries(2):
        calendars = calendars_for(schools)
    days = [date(2026, 11, 27), date(2026, 12, 3), date(2026, 10, 27), date(2027, 1, 4), date(2026, 11, 23)]
    for s in schools:
        own = SchoolCalendar(s)
        assert [calendars[s.pk].why_not_school_day(d) for d in days] == [
            own.why_not_school_day(d) for d in days
        ]
    other = next(s for s in schools if s.pk != school.pk)
    assert calendars[school.pk].is_school_day(date(2026, 12, 3))
    assert not calendars[other.pk].is_school_day(date(2026, 12, 3))
    assert calendars_for([]) == {}
