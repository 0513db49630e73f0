"""A trust's term dates and closure days, kept in each process while the trust's calendar token stands.

Nearly every page and job that counts school days reads the trust's calendar (the dashboards, the placement
page's gates, the chase), and it changes a few times a year. Each process keeps what it read beside the token it
read first; a read asks the shared cache for the token alone and reuses the process's copy while it is the same.
Saving or deleting a term, closure day or academic year changes the token at the save and again when the
transaction commits (as ``trusts.membership_cache`` does), so a copy read from the database in between is kept
under a token that no longer stands, and every process reads the calendar again on its next use. ``forget`` is
for writes that bypass the model signals (``bulk_create``, ``QuerySet.update``). Without a cache all processes
share, every read goes to the database."""

from __future__ import annotations

import threading
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

TIMEOUT = 60 * 60  # a token not changed for an hour is replaced: no copy outlives it by more
_local: dict[int, tuple[str, list, list]] = {}
_lock = threading.Lock()


def _token_key(trust_id: int) -> str:
    return f"calendar:v:{trust_id}"


def _read(trust_id: int) -> tuple[list, list]:
    from trusts.models import ClosureDay, Term

    terms = list(Term.objects.filter(trust_id=trust_id).order_by("start_date"))
    closures = list(ClosureDay.objects.filter(trust_id=trust_id).values_list("school_id", "date"))
    return terms, closures


def trust_calendar(trust_id: int) -> tuple[list, list]:
    """The trust's terms (every school's own and the trust's, by start date) and its closure days as (school id or
    None, date): two queries when the calendar changed since this process last read it, none otherwise."""
    if not settings.SHARED_CACHE:
        return _read(trust_id)
    key = _token_key(trust_id)
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, timeout=TIMEOUT)
        token = cache.get(key)
    with _lock:
        kept = _local.get(trust_id)
    if kept is not None and token is not None and kept[0] == token:
        return kept[1], kept[2]
    terms, closures = _read(trust_id)
    if token is not None:
        with _lock:
            _local[trust_id] = (token, terms, closures)
    return terms, closures


def _new_token(trust_id: int) -> None:
    cache.set(_token_key(trust_id), uuid.uuid4().hex, timeout=TIMEOUT)


def forget(trust_id: int) -> None:
    """The trust's calendar changed: every process reads it again on its next use."""
    _new_token(trust_id)
    transaction.on_commit(lambda: _new_token(trust_id))


def _changed(sender, instance, **kwargs):
    forget(instance.trust_id)


def connect_signals() -> None:
    """Called from TrustsConfig.ready: the saves and deletes that change a trust's calendar."""
    from django.db.models.signals import post_delete, post_save

    from trusts.models import AcademicYear, ClosureDay, Term

    for model in (Term, ClosureDay, AcademicYear):
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(_changed, sender=model, dispatch_uid=f"calendar_cache_{model.__name__}_{name}")
