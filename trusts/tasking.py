"""The base for Celery tasks that work on one trust's data.

A TrustTask is called with ``trust_id=`` and runs inside that trust's scope, so the code it calls is held to
the same isolation as a web request. Enqueue with ``task.delay_on_commit(trust_id=..., ...)`` from services,
so a task never runs against a row its transaction has not committed yet.
"""

from celery.contrib.django.task import DjangoTask
from django_scopes import scope

from trusts.models import Trust


class TrustTask(DjangoTask):
    abstract = True

    def __call__(self, *args, **kwargs):
        trust_id = kwargs.get("trust_id")
        if not isinstance(trust_id, int) or isinstance(trust_id, bool):
            raise TypeError(f"{self.name} must be called with trust_id=<int>, got {trust_id!r}.")
        with scope(trust=trust_id):
            return super().__call__(*args, **kwargs)


def all_trust_ids() -> list[int]:
    """Trusts are the tenants themselves, not tenant-owned: fan-out jobs start here."""
    return list(Trust.objects.order_by("pk").values_list("pk", flat=True))
