"""The DfE registration rule: a setting giving full-time education to enough pupils, or to one looked-after
pupil or one pupil with an EHCP, must be a registered school. Counts run across every school of the trust.

A minimal version: the providers app owns the full rule (warnings, explanations); this keeps the same
interface so placements can ask the question now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class PlacementFact:
    placement_id: int | None
    pupil_id: int
    school_id: int
    start: date
    end: date | None
    hours_per_week: Decimal
    looked_after: bool
    ehcp: bool


@dataclass(frozen=True)
class RegistrationResult:
    allowed: bool
    flagged: bool
    full_time_pupils: int
    looked_after_full_time: int
    ehcp_full_time: int
    reasons: list[str] = field(default_factory=list)


def _overlaps(fact: PlacementFact, window: tuple[date, date | None] | None, on: date | None) -> bool:
    if window is None:
        if on is None:
            return True
        window = (on, on)
    start, end = window
    if end is not None and fact.start > end:
        return False
    return fact.end is None or fact.end >= start


def registration_check(*, provider, facts, policy, on: date | None = None, window=None) -> RegistrationResult:
    """Full-time pupils (hours above the policy threshold) whose placements overlap ``window`` (or the day
    ``on``), counted once each however many schools place them."""
    full_time = {}
    for fact in facts:
        if fact.hours_per_week > policy.full_time_hours_threshold and _overlaps(fact, window, on):
            previous = full_time.get(fact.pupil_id)
            full_time[fact.pupil_id] = (
                fact.looked_after or (previous and previous[0]),
                fact.ehcp or (previous and previous[1]),
            )
    count = len(full_time)
    looked_after = sum(1 for lac, _ in full_time.values() if lac)
    ehcp = sum(1 for _, e in full_time.values() if e)
    reasons = []
    if not provider.is_registered_school:
        if count >= policy.registration_pupil_limit:
            reasons.append(
                f"{provider} is not a registered school and would teach {count} pupils full-time; "
                f"from {policy.registration_pupil_limit} it must be registered."
            )
        if looked_after:
            reasons.append(
                f"{provider} is not a registered school and would teach a looked-after pupil full-time."
            )
        if ehcp:
            reasons.append(
                f"{provider} is not a registered school and would teach a pupil with an EHCP full-time."
            )
    flagged = (
        not provider.is_registered_school
        and not reasons
        and count >= policy.registration_pupil_limit - policy.registration_warning_margin
    )
    return RegistrationResult(
        allowed=not reasons,
        flagged=flagged,
        full_time_pupils=count,
        looked_after_full_time=looked_after,
        ehcp_full_time=ehcp,
        reasons=reasons,
    )
