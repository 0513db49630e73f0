"""School days: weekdays inside a term, outside its half-term break, not a bank holiday in England and not a
closure or INSET day of the school (or of the whole trust).

Counting is half-open like Python ranges: ``school_days_between(school, start, end)`` counts the school days
``d`` with ``start <= d < end``; ``add_school_days(school, start, n)`` is the n-th school day after ``start``.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.db.models import Q

from trusts.models import ClosureDay, School, Term

# Far enough to cover any real question, near enough that a mistake does not loop for long.
_SEARCH_LIMIT_DAYS = 3 * 366


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def bank_holiday_name(day: date) -> str | None:
    return holidays.country_holidays("GB", subdiv="ENG", years=day.year).get(day)


class CalendarError(ValueError):
    pass


def terms_of_school(school: School, terms) -> list[Term]:
    """The terms that apply to ``school``: its own in a year where it has any, the trust's otherwise."""
    terms = list(terms)
    own = [t for t in terms if t.school_id == school.pk]
    own_years = {t.academic_year_id for t in own}
    shared = [t for t in terms if t.school_id is None and t.academic_year_id not in own_years]
    return sorted(own + shared, key=lambda t: t.start_date)


class SchoolCalendar:
    """A school's calendar, loaded once (two queries) and then answered from memory."""

    def __init__(self, school: School, *, terms=None, closures=None):
        self.school = school
        if terms is None:
            terms = Term.objects.filter(trust_id=school.trust_id).filter(
                Q(school__isnull=True) | Q(school_id=school.pk)
            )
        self._terms = terms_of_school(school, terms)
        if closures is None:
            closures = (
                ClosureDay.objects.filter(trust_id=school.trust_id)
                .filter(Q(school__isnull=True) | Q(school=school))
                .values_list("date", flat=True)
            )
        self._closures = set(closures)

    def term_for(self, day: date) -> Term | None:
        for term in self._terms:
            if term.start_date <= day <= term.end_date:
                return term
        return None

    def why_not_school_day(self, day: date) -> str | None:
        """None on a school day; otherwise a short reason a person would understand."""
        if day.weekday() >= 5:
            return "weekend"
        term = self.term_for(day)
        if term is None:
            return "school holiday"
        if term.half_term_start and term.half_term_start <= day <= term.half_term_end:
            return "half-term"
        if is_bank_holiday(day):
            return f"bank holiday ({bank_holiday_name(day)})"
        if day in self._closures:
            return "closure or INSET day"
        return None

    def is_school_day(self, day: date) -> bool:
        return self.why_not_school_day(day) is None

    def school_days(self, start: date, end: date) -> list[date]:
        """School days d with start <= d < end."""
        days = []
        day = start
        while day < end:
            if self.is_school_day(day):
                days.append(day)
            day += timedelta(days=1)
        return days

    def count_between(self, start: date, end: date) -> int:
        return len(self.school_days(start, end))

    def add(self, start: date, n: int) -> date:
        """The n-th school day after start (n >= 1); start itself never counts."""
        if n < 1:
            raise CalendarError("Add at least one school day.")
        day, found = start, 0
        for _ in range(_SEARCH_LIMIT_DAYS):
            day += timedelta(days=1)
            if self.is_school_day(day):
                found += 1
                if found == n:
                    return day
        raise CalendarError(f"The term calendar has no {n} school days after {start:%d %B %Y}.")

    def next_school_day(self, day: date, *, inclusive: bool = True) -> date:
        if inclusive and self.is_school_day(day):
            return day
        return self.add(day, 1)


def calendars_for(schools) -> dict[int, SchoolCalendar]:
    """Calendars of several schools, from each trust's calendar as this process keeps it
    (``trusts.calendar_cache``): no query while the calendar is unchanged, two when it changed."""
    from trusts.calendar_cache import trust_calendar

    schools = list(schools)
    calendars = {}
    for trust_id in sorted({s.trust_id for s in schools}):
        terms, closures = trust_calendar(trust_id)
        for s in schools:
            if s.trust_id == trust_id:
                calendars[s.pk] = SchoolCalendar(
                    s,
                    terms=[t for t in terms if t.school_id in (None, s.pk)],
                    closures=[d for school_id, d in closures if school_id in (None, s.pk)],
                )
    return calendars


def school_days_between(*, school: School, start: date, end: date) -> int:
    return SchoolCalendar(school).count_between(start, end)


def add_school_days(*, school: School, start: date, days: int) -> date:
    return SchoolCalendar(school).add(start, days)


def is_school_day(*, school: School, day: date) -> bool:
    return SchoolCalendar(school).is_school_day(day)
