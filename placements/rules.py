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


def sessions_per_week(sessions) -> int:
    return len(list(sessions))


def next_review_date(*, after: date, policy) -> date:
    """Reviews at least every ``review_interval_weeks`` (half-termly by default)."""
    return after + timedelta(weeks=policy.review_interval_weeks)
