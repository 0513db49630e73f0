"""The Celery application. Tasks that act on a trust's data use TrustTask (see trusts.tasking)."""

import os

from celery import Celery
from celery.signals import celeryd_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apcommission.settings")

app = Celery("apcommission", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# A worker that builds documents (it consumes the "documents" queue, settings.CELERY_TASK_QUEUES) loads
# WeasyPrint and its fonts once in each child as it starts (about a second), not while a user waits for the
# first report after a restart.
_builds_documents = False


@celeryd_init.connect
def _note_queues(sender=None, instance=None, conf=None, options=None, **kwargs):
    global _builds_documents
    from django.conf import settings

    queues = (options or {}).get("queues") or []
    if isinstance(queues, str):
        queues = queues.split(",")
    _builds_documents = not queues or settings.DOCUMENTS_QUEUE in queues


@worker_process_init.connect
def _warm_documents(**kwargs):
    if _builds_documents:
        from trusts.pdf import warm_up

        warm_up()
