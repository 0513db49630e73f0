"""Attendance follows placements: when a placement starts running or its timetable changes, its future
sessions are laid out again (after the change commits). Placements knows nothing of attendance."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from placements.models import Placement, TimetableSession


def _refresh_later(placement_id: int, trust_id: int):
    from attendance.tasks import refresh_sessions

    transaction.on_commit(lambda: refresh_sessions.delay(trust_id=trust_id, placement_id=placement_id))


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
