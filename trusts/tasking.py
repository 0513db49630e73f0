"""The base for Celery tasks that work on one trust's data, and the one way to run a job for every trust.

A TrustTask is called with ``trust_id=`` and runs inside that trust's scope and its row-level security setting
(trusts.rls), so the code it calls is held to the same isolation as a web request. Enqueued inside a transaction, a TrustTask waits for the commit (as
pretix's TransactionAwareTask does): a task never runs against a row its transaction has not committed yet,
and a rolled-back transaction enqueues nothing. Callers just use ``.delay(...)``.
"""

from __future__ import annotations

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import transaction
from django_scopes import scope

from trusts import rls
from trusts.models import Trust


class TrustTask(DjangoTask):
    abstract = True

    def _check_trust_id(self, kwargs):
        trust_id = (kwargs or {}).get("trust_id")
        if not isinstance(trust_id, int) or isinstance(trust_id, bool):
            raise TypeError(f"{self.name} must be called with trust_id=<int>, got {trust_id!r}.")
        return trust_id

    def __call__(self, *args, **kwargs):
        trust_id = self._check_trust_id(kwargs)
        # The scope holds the ORM to the trust; the database's row-level security holds every query.
        with scope(trust=trust_id), rls.trust_context(trust_id):
            return super().__call__(*args, **kwargs)

    def apply_async(self, args=None, kwargs=None, *, after_commit: bool = True, **options):
        """Send now outside a transaction; inside one, once it commits (nothing if it rolls back).

        A missing trust id is refused here, at the caller, not later in a worker or after the commit."""
        self._check_trust_id(kwargs)
        if after_commit and transaction.get_connection().in_atomic_block:
            transaction.on_commit(lambda: super(TrustTask, self).apply_async(args, kwargs, **options))
            return None
        return super().apply_async(args, kwargs, **options)


def all_trust_ids() -> list[int]:
    """Trusts are the tenants themselves, not tenant-owned: fan-out jobs start here."""
    return list(Trust.objects.order_by("pk").values_list("pk", flat=True))


def for_each_trust(task: TrustTask, *, name: str | None = None):
    """The beat-level task that runs ``task`` once for every trust, named ``<task name>_all_trusts``.

    The fan-out only reads trust ids, so it sends at once; each trust's task decides from the database, so a
    missed beat or a second run is harmless.
    """

    def fan_out() -> int:
        trust_ids = all_trust_ids()
        for trust_id in trust_ids:
            task.apply_async(kwargs={"trust_id": trust_id}, after_commit=False)
        return len(trust_ids)

    fan_out.__doc__ = f"Run {task.name} for every trust."
    return shared_task(name=name or f"{task.name}_all_trusts")(fan_out)
