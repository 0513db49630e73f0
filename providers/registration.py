"""The DfE registration rule, in one place.

A setting that educates full-time (more than 18 hours a week in the daytime) five or more pupils of compulsory
school age, or one pupil who is looked after, or one pupil with an EHCP, must be registered as an independent
school. The trust must never commission full-time places that would break the rule, and counts pupils across
every one of its schools.

This module is pure: it works on plain placement facts, so the placements app can call it (it passes the facts
including the placement it is about to agree) without this app importing placements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone


@dataclass(frozen=True)
class PlacementFact:
    """What the rule needs to know about one placement at the provider."""

    placement_id: int | None
    pupil_id: int
    school_id: int
    start: date
    end: date | None
    hours_per_week: Decimal
    looked_after: bool
    ehcp: bool

    def overlaps(self, first: date, last: date) -> bool:
        return self.start <= last and (self.end is None or self.end >= first)


@dataclass(frozen=True)
class RegistrationResult:
    allowed: bool
    flagged: bool
    full_time_pupils: int
    looked_after_full_time: int
    ehcp_full_time: int
    reasons: list[str] = field(default_factory=list)
    registered: bool = False
    limit: int = 0
    window: tuple[date, date] | None = None


def is_full_time(hours_per_week: Decimal, policy) -> bool:
    """Full-time means more than the threshold: exactly 18 hours is part-time, 18.5 is full-time."""
    return Decimal(hours_per_week) > policy.full_time_hours_threshold


def _peak_counts(facts: list[PlacementFact], first: date, last: date, policy) -> tuple[int, int, int]:
    """The most pupils educated full-time here on any one day of the window, and of those days' looked-after
    and EHCP pupils. A pupil with two placements here on the same day is one pupil, with the hours added."""
    # The count only changes on a day some placement starts, so those days (clipped to the window) are
    # enough to find the peak.
    days = sorted({max(f.start, first) for f in facts})
    best = (0, 0, 0)
    for day in days:
        hours = defaultdict(Decimal)
        looked_after, ehcp = set(), set()
        for f in facts:
            if f.start <= day and (f.end is None or f.end >= day):
                hours[f.pupil_id] += Decimal(f.hours_per_week)
                if f.looked_after:
                    looked_after.add(f.pupil_id)
                if f.ehcp:
                    ehcp.add(f.pupil_id)
        full_time = {pupil for pupil, h in hours.items() if is_full_time(h, policy)}
        counts = (len(full_time), len(full_time & looked_after), len(full_time & ehcp))
        best = tuple(max(a, b) for a, b in zip(best, counts, strict=True))
    return best


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def registration_check(
    *,
    provider,
    facts: Iterable[PlacementFact],
    policy,
    on: date | None = None,
    window: tuple[date, date] | None = None,
) -> RegistrationResult:
    """May the trust use ``provider`` for these placements?

    ``facts`` are the provider's placements from every school of the trust (including any being proposed).
    The counts are the peak on any one day of ``window`` (first and last day included), or of the day ``on``
    (default today). Placements that ended before the window or start after it do not count.
    """
    if window is None:
        day = on or timezone.localdate()
        window = (day, day)
    first, last = window
    if last is None:
        # An open-ended placement: every day from the first counts.
        last = date.max
        window = (first, last)
    relevant = [f for f in facts if f.overlaps(first, last)]
    full_time, looked_after, ehcp = _peak_counts(relevant, first, last, policy)
    limit = policy.registration_pupil_limit
    threshold = policy.full_time_hours_threshold.normalize()
    common = {
        "full_time_pupils": full_time,
        "looked_after_full_time": looked_after,
        "ehcp_full_time": ehcp,
        "limit": limit,
        "window": window,
    }

    if provider.is_registered_school:
        return RegistrationResult(
            allowed=True,
            flagged=False,
            registered=True,
            reasons=[
                f"{provider} is a {provider.get_registration_status_display().lower()}, so the limit on "
                "full-time pupils does not apply."
            ],
            **common,
        )

    reasons = []
    if full_time >= limit:
        reasons.append(
            f"{_plural(full_time, 'pupil', 'pupils')} would be here full-time (more than {threshold} hours a "
            f"week) across the trust's schools. An unregistered provider must have fewer than {limit}; it "
            "would have to register as an independent school."
        )
    if looked_after:
        reasons.append(
            f"{_plural(looked_after, 'looked-after pupil', 'looked-after pupils')} would be here full-time. "
            "An unregistered provider may not educate any looked-after pupil full-time."
        )
    if ehcp:
        reasons.append(
            f"{_plural(ehcp, 'pupil with an EHCP', 'pupils with an EHCP')} would be here full-time. "
            "An unregistered provider may not educate any pupil with an EHCP full-time."
        )
    allowed = not reasons
    flagged = full_time >= limit - policy.registration_warning_margin
    if allowed and flagged:
        reasons.append(
            f"{_plural(full_time, 'pupil is', 'pupils are')} here full-time across the trust's schools: close "
            f"to the limit of {limit}, at which an unregistered provider would have to register as a school."
        )
    if allowed and not flagged:
        reasons.append(
            f"{_plural(full_time, 'pupil is', 'pupils are')} here full-time across the trust's schools, "
            f"below the limit of {limit}; no looked-after pupil or pupil with an EHCP is here full-time."
        )
    return RegistrationResult(allowed=allowed, flagged=flagged, reasons=reasons, **common)
