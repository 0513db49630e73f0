"""A real Celery worker on Redis runs the notification tasks: at-most-once delivery holds across retries."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django_scopes import scopes_disabled

from apcommission.celery import app
from tests.factories import MembershipFactory, NotificationFactory
from trusts.models import Notification
from trusts.tasks import deliver_notification, deliver_pending_notifications_all_trusts

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker():
    app.conf.update(task_always_eager=False)
    try:
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(task_always_eager=True)


def test_a_task_runs_on_a_real_worker_and_a_retry_sends_nothing_twice(celery_worker):
    member = MembershipFactory()
    n = NotificationFactory(trust=member.trust, recipient=member.user)
    first = deliver_notification.delay(trust_id=member.trust_id, notification_id=n.pk)
    second = deliver_notification.delay(trust_id=member.trust_id, notification_id=n.pk)
    results = sorted([first.get(timeout=20), second.get(timeout=20)])
    assert results == [False, True]
    assert len(mail.outbox) == 1
    with scopes_disabled():
        assert Notification.objects.get(pk=n.pk).email_status == Notification.EmailStatus.SENT


def test_a_task_for_one_trust_cannot_touch_another(celery_worker):
    mine = MembershipFactory()
    theirs = NotificationFactory()
    result = deliver_notification.delay(trust_id=mine.trust_id, notification_id=theirs.pk)
    assert result.get(timeout=20) is False  # not found inside the scope of the wrong trust
    assert mail.outbox == []


def test_the_beat_fan_out_reaches_every_trust(celery_worker):
    a = NotificationFactory()
    b = NotificationFactory()
    with scopes_disabled():
        Notification.objects.filter(pk__in=[a.pk, b.pk]).update(
            created_at=Notification.objects.get(pk=a.pk).created_at.replace(year=2020)
        )
    assert deliver_pending_notifications_all_trusts.delay().get(timeout=20) >= 2
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(mail.outbox) < 2:
        time.sleep(0.2)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([a.recipient.email, b.recipient.email])
