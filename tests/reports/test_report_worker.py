"""The trust-wide report on a real Celery worker on Redis: two people asking at the same moment get one run,
built once."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django_scopes import scope, scopes_disabled

from apcommission.celery import app
from reports import services
from reports.models import ReportRun
from tests.factories import MembershipFactory, SchoolFactory, TrustFactory
from trusts.roles import Role

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker():
    app.conf.update(task_always_eager=False)
    try:
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(task_always_eager=True)


def test_two_requests_at_once_build_one_report(celery_worker):
    trust = TrustFactory()
    SchoolFactory(trust=trust)
    people = [MembershipFactory(trust=trust, role=Role.GOVERNOR, school=None) for _ in range(2)]
    start, end = date(2026, 9, 2), date(2026, 12, 18)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def ask(membership):
        try:
            barrier.wait(timeout=10)
            with scope(trust=trust.pk):
                results.append(
                    services.report_request(by=membership, school=None, start=start, end=end, title="Autumn")
                )
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(m,)) for m in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert len({run.pk for run, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, True]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with scopes_disabled():
            run = ReportRun.objects.get()
        if run.status == "done":
            break
        time.sleep(0.3)
    assert run.status == "done" and bytes(run.pdf).startswith(b"%PDF")
    with scopes_disabled():
        assert ReportRun.objects.count() == 1
