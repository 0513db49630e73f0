"""Trust-wide figures kept for a few minutes: the year-to-date attendance of every school and pupil of a large
trust is a scan of hundreds of thousands of register rows, and the people who read it across the trust (trust
admin, trust governors) need it to the quarter hour, not to the second. A snapshot is the figures as of a time
the page shows ("figures as of 10:40"); it is worked out again once it is ``MAX_AGE`` old.

Only trust-wide memberships share a snapshot (one per trust and what it is of): a school-bound or provider
membership sees few enough rows to be counted live, and counting live keeps a school's own figures to the
second. The DSL's live view never goes through here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from trusts.roles import Role

MAX_AGE = timedelta(minutes=10)
PREFIX = "snapshot:v1"


@dataclass(frozen=True)
class Snapshot:
    value: Any
    as_of: datetime | None  # None: counted just now for this request alone (live)


def is_trust_wide(membership) -> bool:
    return membership.school_id is None and membership.role != Role.PROVIDER_STAFF


def key_for(trust_id: int, *parts) -> str:
    return ":".join([PREFIX, str(trust_id), *(str(p) for p in parts)])


def snapshot(membership, parts: tuple, compute: Callable[[], Any]) -> Snapshot:
    """``compute()``'s value for ``membership``: for a trust-wide one, the trust's snapshot of ``parts`` (worked
    out now if there is none younger than ``MAX_AGE``); for anyone else, worked out now."""
    if not is_trust_wide(membership):
        return Snapshot(compute(), None)
    key = key_for(membership.trust_id, *parts)
    kept = cache.get(key)
    if kept is not None:
        return kept
    kept = Snapshot(compute(), timezone.now())
    cache.set(key, kept, MAX_AGE.total_seconds())
    return kept


def refresh(trust_id: int, parts: tuple, compute: Callable[[], Any]) -> Snapshot:
    """Work the trust's snapshot of ``parts`` out now and keep it (the refresh job: readers then find it kept)."""
    kept = Snapshot(compute(), timezone.now())
    cache.set(key_for(trust_id, *parts), kept, MAX_AGE.total_seconds())
    return kept


def forget(trust_id: int, *parts) -> None:
    cache.delete(key_for(trust_id, *parts))
