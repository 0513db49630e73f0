"""The Celery application. Tasks that act on a trust's data use TrustTask (see trusts.tasking)."""

import os

from celery import Celery
from celery.signals import celeryd_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apcommission.settings")

app = Celery("apcommission", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Each child of a worker loads, as it starts, what its first task would otherwise load while someone waits:
# the URL configuration (every app's views; about half a second, paid by the first chase run that links to a
# page) and, in a worker that builds documents (it consumes the "documents" queue, settings.CELERY_TASK_QUEUES),
# WeasyPrint and its fonts (about a second).
_builds_documents = False


@celeryd_init.connect
def _note_queues(sender=None, instance=None, conf=None, options=None, **kwargs):
    global _builds_documents
    from django.conf import settings

    queues = (options or {}).get("queues") or []
    if isinstance(queues, str):
        queues = queues.split(",")
    _builds_documents = not queues or settings.DOCUMENTS_QUEUE in queues


def prepare_process(*, documents: bool) -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URL configuration
    if documents:
        from trusts.pdf import warm_up

        warm_up()


@worker_process_init.connect
def _prepare_child(**kwargs):
    prepare_process(documents=_builds_documents)
