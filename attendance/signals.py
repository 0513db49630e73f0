"""Attendance follows placements: when a placement starts running or its timetable changes, its future
sessions are laid out again (after the change commits). Placements knows nothing of attendance.

Attendance follows the calendar too: a closure or INSET day saved for a school (or the whole trust) takes
that day's unmarked sessions away, and taking the closure back lays them out again. The trusts app knows
nothing of attendance.

A timetable edit saves several sessions in one transaction; the placement is refreshed once per commit, not
once per row: a refresh already waiting on the current transaction for that placement is not queued again.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from placements.models import Placement, TimetableSession
from trusts.models import ClosureDay


@dataclass(frozen=True)
class _Refresh:
    """One placement's refresh, waiting for the commit. Equal refreshes are the same job."""

    trust_id: int
    placement_id: int

    def __call__(self):
        from attendance.tasks import refresh_sessions

        refresh_sessions.delay(trust_id=self.trust_id, placement_id=self.placement_id)


def _waiting(connection, refresh: _Refresh) -> bool:
    # Callbacks of a rolled-back savepoint leave this list, so a refresh dropped with them is queued again.
    return any(callback == refresh for _, callback, *_ in connection.run_on_commit)


def _refresh_later(placement_id: int, trust_id: int):
    connection = transaction.get_connection()
    refresh = _Refresh(trust_id=trust_id, placement_id=placement_id)
    if connection.in_atomic_block and _waiting(connection, refresh):
        return
    transaction.on_commit(refresh)


@receiver(post_save, sender=Placement)
def placement_saved(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    if instance.status in ("agreed", "active", "ended"):
        _refresh_later(instance.pk, instance.trust_id)


@receiver([post_save, post_delete], sender=TimetableSession)
def timetable_changed(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    _refresh_later(instance.placement_id, instance.trust_id)


@receiver(post_save, sender=ClosureDay)
def closure_saved(sender, instance, created, **kwargs):
    if kwargs.get("raw"):
        return
    from attendance.tasks import apply_closure

    apply_closure.delay(
        trust_id=instance.trust_id, day=instance.date.isoformat(), school_id=instance.school_id
    )


@receiver(post_delete, sender=ClosureDay)
def closure_deleted(sender, instance, **kwargs):
    from attendance.tasks import apply_closure

    apply_closure.delay(
        trust_id=instance.trust_id, day=instance.date.isoformat(), school_id=instance.school_id, lifted=True
    )
