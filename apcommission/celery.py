"""The Celery application. Tasks that act on a trust's data use TrustTask (see trusts.tasking)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apcommission.settings")

app = Celery("apcommission", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
