"""A report someone is waiting for does not queue behind other work: builds go to the "documents" queue,
deliveries to "mail", and a real worker on Redis takes from its queues in turn, so a build asked for after a
chase run has queued a long mail backlog and more jobs is among the first tasks done, not the last (with one
queue it would run after every delivery)."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django_scopes import scope, scopes_disabled

from apcommission.celery import app
from placements.tasks import remind_part_time_reviews
from reports import services
from reports.models import ReportRun
from tests.factories import MembershipFactory, NotificationFactory, SchoolFactory, TrustFactory
from trusts.models import Notification
from trusts.roles import Role
from trusts.tasks import deliver_notification

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BACKLOG = 150
JOBS = 20


@pytest.fixture
def not_eager():
    app.control.purge()  # nothing left over from another test on this broker
    app.conf.update(task_always_eager=False)
    try:
        yield
    finally:
        app.conf.update(task_always_eager=True)
        app.control.purge()


def test_deliveries_and_reports_are_routed_to_separate_queues():
    route = app.amqp.router.route
    for name in (
        "trusts.tasks.deliver_notification",
        "trusts.tasks.deliver_notifications",
        "trusts.tasks.deliver_pending_notifications",
        "trusts.tasks.deliver_pending_notifications_all_trusts",
    ):
        assert route({}, name)["queue"].name == "mail"
    assert route({}, "reports.build_report")["queue"].name == "documents"
    assert route({}, "trusts.tasks.send_invitation")["queue"].name == "celery"
    # A worker started without -Q consumes every declared queue, "documents" first.
    assert list(app.amqp.queues) == ["documents", "celery", "mail"]


def test_a_report_asked_for_behind_a_backlog_is_built_first(not_eager):
    trust = TrustFactory()
    SchoolFactory(trust=trust)
    governor = MembershipFactory(trust=trust, role=Role.GOVERNOR, school=None)
    recipient = MembershipFactory(trust=trust).user
    notifications = NotificationFactory.create_batch(BACKLOG, trust=trust, recipient=recipient)
    # The chase run's deliveries and a run of jobs are queued first, then the report is asked for; no worker
    # is running yet, so all of it waits in Redis, exactly as when a worker is busy.
    for n in notifications:
        deliver_notification.apply_async(
            kwargs={"trust_id": trust.pk, "notification_id": n.pk}, after_commit=False
        )
    for _ in range(JOBS):
        remind_part_time_reviews.apply_async(kwargs={"trust_id": trust.pk}, after_commit=False)
    with scope(trust=trust.pk):
        run, created = services.report_request(
            by=governor, school=None, start=date(2026, 9, 2), end=date(2026, 12, 18), title="Autumn"
        )
    assert created

    finished: list[str] = []
    lock = threading.Lock()

    def record(sender=None, **_):
        with lock:
            finished.append(sender.name)

    task_postrun.connect(record, weak=False)
    try:
        # One child: tasks run strictly one after another, so the completion order is the order taken.
        with start_worker(app, pool="threads", concurrency=1, perform_ping_check=False, shutdown_timeout=10):
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and len(finished) < BACKLOG + JOBS + 1:
                time.sleep(0.2)
    finally:
        task_postrun.disconnect(record)

    total = BACKLOG + JOBS + 1
    assert len(finished) == total, f"only {len(finished)} of {total} tasks finished"
    position = finished.index("reports.build_report")
    # "documents" is the worker's first queue and, rarely used, stays first in the round robin: the build is
    # taken at the first fetch, whatever is queued on "celery" and "mail". With a single queue it would be last.
    assert position == 0, f"the report was task {position + 1} of {len(finished)}"
    assert finished.count("trusts.tasks.deliver_notification") == BACKLOG
    with scopes_disabled():
        run = ReportRun.objects.get(pk=run.pk)
        assert run.status == "done" and bytes(run.pdf).startswith(b"%PDF")
        assert Notification.objects.filter(email_status=Notification.EmailStatus.SENT).count() == BACKLOG
    assert len(mail.outbox) == BACKLOG


def test_only_a_worker_taking_documents_loads_weasyprint_as_it_starts():
    from apcommission import celery as celery_app

    try:
        for queues, warms in (
            (["documents"], True),
            (["documents", "celery", "mail"], True),
            ("celery,mail", False),
            (["mail"], False),
            (None, True),  # no -Q: every declared queue
        ):
            celery_app._note_queues(options={"queues": queues})
            assert celery_app._builds_documents is warms, queues
    finally:
        celery_app._builds_documents = False
