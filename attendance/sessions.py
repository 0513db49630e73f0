"""The register's clock: which session of the school day a moment falls in.

Times are read on the project's clock (``settings.TIME_ZONE``, Europe/London), so summer time moves the
split with the clock on the wall, not with UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from attendance.models import Session

# The morning session runs until half past twelve; from then on the afternoon one is "now".
AFTERNOON_FROM = time(12, 30)


def session_at(moment: datetime) -> str:
    """The register session ("am" or "pm") that ``moment`` falls in."""
    return Session.AM if timezone.localtime(moment).time() < AFTERNOON_FROM else Session.PM


def day_of(moment: datetime) -> date:
    """The school day ``moment`` falls on."""
    return timezone.localdate(moment)


def current_session(now: datetime | None = None) -> tuple[date, str]:
    """Today and the session running now: what a register or a dashboard shows as "this session"."""
    now = now or timezone.now()
    return day_of(now), session_at(now)
