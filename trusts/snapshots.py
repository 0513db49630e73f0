"""Trust-wide figures kept for a few minutes: the year-to-date attendance of every school and pupil of a large
trust is a scan of hundreds of thousands of register rows, and the people who read it across the trust (trust
admin, trust governors) need it to the quarter hour, not to the second. A snapshot is the figures as of a time
the page shows ("figures as of 10:40"); it is worked out again once it is ``MAX_AGE`` old.

Trust-wide memberships share a snapshot (one per trust and what it is of). A school-bound or provider
membership's figures are counted live, except where the caller says ``per_school``: then the staff of one school
share their school's snapshot (a school's year to date is still thousands of register rows on every view). The
DSL's live view never goes through here."""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from trusts.roles import Role

MAX_AGE = timedelta(minutes=10)
# A snapshot past MAX_AGE is still kept this long: while one request works it out again, the others are answered
# from it (its "as of" says how old) instead of all counting at once.
KEEP = timedelta(hours=1)
# One request at a time works a snapshot out; with none kept at all, the others wait this long for its result.
WORKING_SECONDS = 60
WAIT_SECONDS = 30
PREFIX = "snapshot:v3"
# Each process keeps the last snapshots it read, with the stamp they were kept under: a reader asks Redis for the
# stamp alone (a few bytes) and reads and unpickles the value (a trust's QA schedule or figures: hundreds of
# kilobytes, a fifth of a dashboard's time) only when it was kept again or forgotten since.
LOCAL_ENTRIES = 32
_local: OrderedDict[str, Snapshot] = OrderedDict()
_local_lock = threading.Lock()


@dataclass(frozen=True)
class Snapshot:
    value: Any
    as_of: datetime | None  # None: counted just now for this request alone (live)
    stamp: str | None = None  # which keeping of the snapshot this is (None: live)


def is_trust_wide(membership) -> bool:
    return membership.school_id is None and membership.role != Role.PROVIDER_STAFF


def key_for(trust_id: int, *parts) -> str:
    return ":".join([PREFIX, str(trust_id), *(str(p) for p in parts)])


def snapshot(
    membership, parts: tuple, compute: Callable[[], Any], *, shared: bool = False, per_school: bool = False
) -> Snapshot:
    """``compute()``'s value for ``membership``: for a trust-wide one, the trust's snapshot of ``parts`` (worked
    out now, by one request at a time, if there is none younger than ``MAX_AGE``); for anyone else, worked out
    now. ``shared``: the value is the same for everyone who may ask (the caller knows), so anyone shares it.
    ``per_school``: the value is the same for everyone bound to one school (the caller knows: it depends on the
    school alone, not the role), so a school's staff share their school's snapshot."""
    if shared or is_trust_wide(membership):
        key = key_for(membership.trust_id, *parts)
    elif per_school and membership.school_id is not None and membership.role != Role.PROVIDER_STAFF:
        key = key_for(membership.trust_id, "school", membership.school_id, *parts)
    else:
        return Snapshot(compute(), None)
    kept = _read(key)
    if kept is not None and timedelta(0) <= timezone.now() - kept.as_of < MAX_AGE:
        return kept
    working = f"{key}:working"
    if cache.add(working, 1, WORKING_SECONDS):
        try:
            return _keep(key, compute)
        finally:
            cache.delete(working)
    if kept is not None:
        return kept  # someone is working out a fresher one
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.1)
        kept = _read(key)
        if kept is not None:
            return kept
    return _keep(key, compute)


def _stamp_key(key: str) -> str:
    return f"{key}:stamp"


def _read(key: str) -> Snapshot | None:
    """The snapshot kept under ``key``: this process's copy while its stamp is the one in Redis, else Redis's."""
    stamp = cache.get(_stamp_key(key))
    if stamp is None:
        return None
    with _local_lock:
        local = _local.get(key)
        if local is not None and local.stamp == stamp:
            _local.move_to_end(key)
            return local
    kept = cache.get(key)
    if kept is not None:
        _remember(key, kept)
    return kept


def _remember(key: str, kept: Snapshot) -> None:
    with _local_lock:
        _local[key] = kept
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def _keep(key: str, compute: Callable[[], Any]) -> Snapshot:
    kept = Snapshot(compute(), timezone.now(), uuid.uuid4().hex)
    # The value before its stamp: a reader who sees the new stamp finds the new value.
    cache.set(key, kept, KEEP.total_seconds())
    cache.set(_stamp_key(key), kept.stamp, KEEP.total_seconds())
    _remember(key, kept)
    return kept


def rendered(kept: Snapshot, template_name: str, context, *, vary: tuple = ()) -> str:
    """``template_name`` rendered with ``context`` (a dict, or a function that makes it: called only when the
    HTML is not kept), which holds nothing but what ``kept`` says and what ``vary`` names: the same snapshot makes
    the same HTML, so it is rendered once for everyone who reads that snapshot with the same ``vary`` and kept as
    long as the snapshot is (a large trust's report tables were most of its page's time). A live value is
    rendered each time."""
    if kept.stamp is None:
        return render_to_string(template_name, context() if callable(context) else context)
    key = ":".join([PREFIX, "html", kept.stamp, template_name, *(str(v) for v in vary)])
    html = cache.get(key)
    if html is None:
        html = render_to_string(template_name, context() if callable(context) else context)
        cache.set(key, html, KEEP.total_seconds())
    return mark_safe(html)  # rendered by the template engine, which escaped it


def refresh(trust_id: int, parts: tuple, compute: Callable[[], Any]) -> Snapshot:
    """Work the trust's snapshot of ``parts`` out now and keep it (the refresh job: readers then find it kept)."""
    return _keep(key_for(trust_id, *parts), compute)


def forget(trust_id: int, *parts) -> None:
    key = key_for(trust_id, *parts)
    cache.delete_many([_stamp_key(key), key])
