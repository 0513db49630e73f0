"""The placement rules with thresholds, one named function each. Thresholds come from the trust's policy or
from the named constants here (where the law fixes them)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

# Full-time has one definition, next to the DfE registration rule that depends on it.
from providers.registration import is_full_time  # noqa: F401

# Education (Educational Provision for Improving Behaviour) Regulations 2010: parents are told in writing at
# least this many school days before an off-site direction starts.
OFF_SITE_NOTICE_SCHOOL_DAYS = 2


def session_hours(start: time, end: time) -> Decimal:
    """Hours of one session, to the quarter hour people timetable in (two decimal places)."""
    minutes = (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() / 60
    return (Decimal(int(minutes)) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def fmt_hours(hours) -> str:
    """6.00 as "6", 26.25 as "26.25"."""
    return format(Decimal(hours).normalize(), "f")


def weekly_hours(sessions) -> Decimal:
    """Hours a week from timetable sessions (anything with start_time and end_time)."""
    return sum((session_hours(s.start_time, s.end_time) for s in sessions), Decimal("0"))


def part_time_review_problem(*, hours, policy, planned_end_date, part_time_review_date) -> str | None:
    """A part-time timetable is time-limited: it needs a planned end or a review date."""
    if is_full_time(hours, policy) or planned_end_date or part_time_review_date:
        return None
    return (
        f"The timetable is part-time ({fmt_hours(hours)} hours a week): give a planned end date or a date to review "
        "the part-time timetable."
    )


def total_weekly_education(*, hours_here, hours_elsewhere, hours_at_school) -> Decimal:
    """Everything the pupil is taught in a week: this placement, every other current provider and school."""
    return Decimal(hours_here) + Decimal(hours_elsewhere) + Decimal(hours_at_school)


def reduced_education_flag(
    *, total: Decimal, school_weekly_hours: Decimal, medical_reason: str
) -> str | None:
    """A pupil taught less than the school's full week is flagged, unless a medical reason is recorded."""
    if Decimal(total) >= Decimal(school_weekly_hours) or (medical_reason or "").strip():
        return None
    return (
        f"The pupil's total education is {fmt_hours(total)} hours a week, below the school's full week of "
        f"{fmt_hours(school_weekly_hours)} hours, and no medical reason is recorded."
    )


def earliest_start_after_notice(calendar, notice_date: date) -> date:
    """The first day an off-site direction may start after notice given on ``notice_date``.

    The notice must come at least two school days before the start: the school days ``d`` with
    ``notice_date <= d < start`` must number at least two. The notice day counts if it is a school day itself.
    So the earliest start is the day after the second school day counted from the notice date inclusive:
    notice on a Monday allows a Wednesday start; notice on a Friday (or over the weekend) allows Wednesday;
    a bank holiday, INSET day or half-term day in between does not count and pushes the start back.
    """
    first = calendar.next_school_day(notice_date, inclusive=True)
    second = calendar.add(first, OFF_SITE_NOTICE_SCHOOL_DAYS - 1)
    return second + timedelta(days=1)


def notice_in_time(calendar, *, notice_date: date, start_date: date) -> bool:
    return calendar.count_between(notice_date, start_date) >= OFF_SITE_NOTICE_SCHOOL_DAYS


def next_review_date(*, after: date, policy) -> date:
    """Reviews at least every ``review_interval_weeks`` (half-termly by default)."""
    return after + timedelta(weeks=policy.review_interval_weeks)


# National curriculum year groups by age on 31 August before the academic year: Reception children are 4,
# Year 1 children 5, and so on to Year 13 at 17.
RECEPTION_AGE = 4
# Some pupils are taught a year above or below their age group: one year either way is not an error.
YEAR_GROUP_AGE_TOLERANCE = 1


def year_group_label(year_group: str) -> str:
    return "Reception" if year_group == "R" else f"Year {year_group}"


def year_group_age(year_group: str) -> int:
    """The age on 31 August before the academic year of a pupil in ``year_group``."""
    return RECEPTION_AGE if year_group == "R" else RECEPTION_AGE + int(year_group)


def age_on(date_of_birth: date, day: date) -> int:
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def academic_year_cutoff(today: date) -> date:
    """31 August before the academic year that ``today`` falls in (the year runs from 1 September)."""
    return date(today.year if today.month >= 9 else today.year - 1, 8, 31)


def date_of_birth_problem(*, date_of_birth: date, year_group: str, today: date) -> str | None:
    """None if the date of birth can be right for a pupil in ``year_group`` today; otherwise why not."""
    if date_of_birth > today:
        return "The date of birth is in the future."
    cutoff = academic_year_cutoff(today)
    age, expected = age_on(date_of_birth, cutoff), year_group_age(year_group)
    if abs(age - expected) <= YEAR_GROUP_AGE_TOLERANCE:
        return None
    return (
        f"A pupil born on {date_of_birth:%d %B %Y} was {age} on {cutoff:%d %B %Y}, but pupils in "
        f"{year_group_label(year_group)} were {expected} then (one year either way is allowed for a pupil "
        "taught out of their year group): check the date of birth and the year group."
    )


def direction_school_days(calendar, *, start_date: date, planned_end_date: date) -> int:
    """School days an off-site direction covers, first and last day included."""
    return calendar.count_between(start_date, planned_end_date + timedelta(days=1))


# The termly review with parents and carers is held this long before the term ends, so its actions can be
# taken before the break.
PARENT_REVIEW_WEEKS_BEFORE_TERM_END = 2


def half_terms(terms) -> list[tuple[date, date]]:
    """The half-terms of ``terms`` (anything with start_date, end_date, half_term_start, half_term_end) as
    (first day, last day), in order: a term with a break is two half-terms, one without is one."""
    periods = []
    for term in sorted(terms, key=lambda t: t.start_date):
        if term.half_term_start and term.half_term_end:
            periods.append((term.start_date, term.half_term_start - timedelta(days=1)))
            periods.append((term.half_term_end + timedelta(days=1), term.end_date))
        else:
            periods.append((term.start_date, term.end_date))
    return periods


def parent_review_date(terms, *, after: date) -> date | None:
    """The termly review with parents: two weeks before the end of the first term whose review date falls
    after ``after``. None where the calendar has no such term yet."""
    for term in sorted(terms, key=lambda t: t.start_date):
        when = term.end_date - timedelta(weeks=PARENT_REVIEW_WEEKS_BEFORE_TERM_END)
        when = max(when, term.start_date)
        if when > after:
            return when
    return None


def provider_report_due_periods(
    terms, *, start: date, end: date | None, today: date
) -> list[tuple[date, date]]:
    """The half-terms a placement running from ``start`` (to ``end``) owes a progress report for, as of
    ``today``: every half-term it was running in whose last day is within a week of today or past."""
    due = []
    for first, last in half_terms(terms):
        if last < start or (end is not None and first > end):
            continue
        if last - timedelta(days=PROVIDER_REPORT_DUE_DAYS_BEFORE) <= today:
            due.append((first, last))
    return due


# The provider is asked for its half-termly report this many days before the half-term ends.
PROVIDER_REPORT_DUE_DAYS_BEFORE = 7


# Where the provider's hours are not recorded, a new timetable starts from a common school day.
DEFAULT_SESSION_TIMES = {"am": (time(9, 0), time(12, 0)), "pm": (time(12, 45), time(15, 0))}
MORNING_ENDS, AFTERNOON_STARTS = time(12, 0), time(12, 45)


def default_session_times(*, opens_at: time | None, closes_at: time | None) -> dict:
    """The morning and afternoon a new timetable starts from: the provider's opening hours split at midday
    (with a break for lunch), or a common school day where its hours are not recorded."""
    if not opens_at or not closes_at or closes_at <= opens_at:
        return dict(DEFAULT_SESSION_TIMES)
    if closes_at <= MORNING_ENDS:
        return {"am": (opens_at, closes_at), "pm": DEFAULT_SESSION_TIMES["pm"]}
    if opens_at >= AFTERNOON_STARTS:
        return {"am": DEFAULT_SESSION_TIMES["am"], "pm": (opens_at, closes_at)}
    pm_start = AFTERNOON_STARTS if closes_at > AFTERNOON_STARTS else MORNING_ENDS
    return {"am": (opens_at, min(MORNING_ENDS, closes_at)), "pm": (pm_start, closes_at)}


# The provider's initial assessment of the pupil is made within a week of the start.
INITIAL_ASSESSMENT_DAYS = 7


# Suspensions (the trust's AP policy, section 8): a suspension of more than five school days, or consecutive
# suspensions adding up to more, needs full-time provision from the sixth school day (from the first for a
# looked-after child); the parents are told of it in writing at least 48 hours before it starts.
SUSPENSION_SCHOOL_DAYS_BEFORE_PROVISION = 5
SUSPENSION_NOTICE_HOURS = 48


def suspension_school_days(calendar, *, first_day: date, school_days: int) -> list[date]:
    """The school days a suspension of ``school_days`` covers from ``first_day``, all inside one term."""
    start = calendar.next_school_day(first_day, inclusive=True)
    days = [start]
    while len(days) < school_days:
        days.append(calendar.add(days[-1], 1))
    term = calendar.term_for(start)
    if term is None or days[-1] > term.end_date:
        left = len([d for d in days if term and d <= term.end_date])
        raise ValueError(
            f"The term has only {left} school day{'s' if left != 1 else ''} left from {start:%d %B %Y}: "
            f"a suspension of {school_days} school days does not fit in it."
        )
    return days


def suspension_run(calendar, suspensions) -> list[date]:
    """The school days of the latest run of consecutive suspensions (each with first_day and school_days):
    suspensions that follow one another with no school day between count as one period."""
    runs: list[list[date]] = []
    for s in sorted(suspensions, key=lambda s: s.first_day):
        days = suspension_school_days(calendar, first_day=s.first_day, school_days=s.school_days)
        if runs and calendar.add(runs[-1][-1], 1) >= days[0]:
            runs[-1] = sorted(set(runs[-1]) | set(days))
        else:
            runs.append(days)
    return runs[-1] if runs else []


def suspension_provision_day(run: list[date], *, looked_after: bool) -> date | None:
    """The day provision must start for a run of suspension days: the sixth school day (the first for a
    looked-after child) where the run is longer than five school days; None where none is needed."""
    if len(run) <= SUSPENSION_SCHOOL_DAYS_BEFORE_PROVISION:
        return None
    return run[0] if looked_after else run[SUSPENSION_SCHOOL_DAYS_BEFORE_PROVISION]
