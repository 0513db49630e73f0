"""When a provider's next QA visit is due: the one place the visit-frequency rules live.

The trust policy chooses the frequency (``qa_visit_frequency`` for registered schools,
``qa_visit_frequency_unregistered`` for unregistered providers) and, optionally, a session limit
(``qa_visit_session_limit``): a visit after that many sessions attended by any one pupil placed there, if that
comes sooner. A completed visit's own "next visit" date, when earlier, wins too.

- Termly / half-termly: at least one visit in each term (or half-term) in which pupils are placed. The period
  is the one that contains the day after the last visit (or the first placement's start when there has been no
  visit); if the last visit already fell in that period, the next period. Due: the last teaching day of it.
- Monthly: one calendar month after the last visit (or after the first placement started).
- Sessions: the day the N-th attended session (present or late) since the last visit fell, counted for each
  placement at the provider; the first placement to reach N sets the date.

Everything here is pure: it takes dates and the terms, so the edges are tested without a database.
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

TERMLY = "termly"
HALF_TERMLY = "half_termly"
MONTHLY = "monthly"
# Without a term calendar to read, a term is taken as this long (a long term is about 14 weeks) ...
FALLBACK_TERM = timedelta(weeks=13)
# ... and a half-term as this long.
FALLBACK_HALF_TERM = timedelta(weeks=6)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def periods_for(frequency: str, terms) -> list[Period]:
    """The teaching periods a frequency counts in: whole terms, or each half of each term."""
    periods = []
    for term in sorted(terms, key=lambda t: t.start_date):
        if frequency == HALF_TERMLY:
            periods += [Period(a, b) for a, b in term.half_terms()]
        else:
            periods.append(Period(term.start_date, term.end_date))
    return periods


def add_month(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def due_by_frequency(*, frequency: str, terms, last_visit: date | None, placed_since: date) -> date:
    """The date by which the next visit is due under the frequency alone."""
    if frequency == MONTHLY:
        return add_month(last_visit or placed_since)
    anchor = (last_visit + timedelta(days=1)) if last_visit else placed_since
    periods = periods_for(frequency, terms)
    for period in periods:
        if period.end < anchor:
            continue
        if last_visit and period.contains(last_visit):
            # This period already had its visit.
            continue
        return period.end
    fallback = FALLBACK_HALF_TERM if frequency == HALF_TERMLY else FALLBACK_TERM
    return (last_visit or placed_since) + fallback


def due_by_sessions(*, limit: int | None, attended_by_placement: dict) -> tuple[date | None, object]:
    """(date, placement key) on which some placement reached ``limit`` attended sessions, the earliest one;
    (None, None) when none has, or when the limit is off. ``attended_by_placement`` maps a placement key to
    the sorted dates of its attended sessions since the last visit."""
    if not limit:
        return None, None
    best, best_key = None, None
    for key, days in attended_by_placement.items():
        if len(days) >= limit:
            reached = sorted(days)[limit - 1]
            if best is None or reached < best:
                best, best_key = reached, key
    return best, best_key


@dataclass
class Due:
    """A provider's next visit due, and why."""

    due: date
    reason: str
    frequency: str
    last_visit: date | None
    sessions_since: int = 0
    session_limit: int | None = None
    trigger: object = None
    notes: list[str] = field(default_factory=list)


FREQUENCY_REASON = {
    TERMLY: "at least once a term",
    HALF_TERMLY: "at least once a half-term",
    MONTHLY: "at least once a month",
}


def next_visit_due(
    *,
    frequency: str,
    terms,
    last_visit: date | None,
    placed_since: date,
    session_limit: int | None = None,
    attended_by_placement: dict | None = None,
    agreed_next_visit: date | None = None,
) -> Due:
    """The earliest of the frequency's date, the session limit's date and the date the last visit agreed."""
    candidates = [
        (
            due_by_frequency(
                frequency=frequency, terms=terms, last_visit=last_visit, placed_since=placed_since
            ),
            FREQUENCY_REASON.get(frequency, frequency),
            None,
        )
    ]
    attended = attended_by_placement or {}
    by_sessions, trigger = due_by_sessions(limit=session_limit, attended_by_placement=attended)
    if by_sessions is not None:
        candidates.append((by_sessions, f"{session_limit} sessions attended since the last visit", trigger))
    if agreed_next_visit is not None and (last_visit is None or agreed_next_visit > last_visit):
        candidates.append((agreed_next_visit, "the date agreed at the last visit", None))
    due, reason, trigger = min(candidates, key=lambda c: c[0])
    return Due(
        due=due,
        reason=reason,
        frequency=frequency,
        last_visit=last_visit,
        sessions_since=max((len(v) for v in attended.values()), default=0),
        session_limit=session_limit,
        trigger=trigger,
    )
