"""One notify service: a row with a unique key is written before anything is sent, so nothing goes twice."""

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope

from tests.conftest import sign_in
from tests.factories import MembershipFactory, NotificationFactory
from trusts import services
from trusts.models import Notification


@pytest.fixture
def member(db):
    return MembershipFactory()


def _notify(member, key="absence:1", **kwargs):
    return services.notify(
        trust=member.trust,
        recipient=member.user,
        key=key,
        kind="absence",
        subject="Absence: J.S. at Pennine Skills Hub",
        body="Marked absent this morning.",
        url="/inbox/",
        **kwargs,
    )


def test_notify_writes_once_and_emails_once(member, django_capture_on_commit_callbacks):
    with scope(trust=member.trust_id):
        with django_capture_on_commit_callbacks(execute=True):
            first, created = _notify(member)
        with django_capture_on_commit_callbacks(execute=True):
            again, created_again = _notify(member)
        assert created and not created_again
        assert first.pk == again.pk
        assert Notification.objects.count() == 1
        first.refresh_from_db()
        assert first.email_status == Notification.EmailStatus.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.user.email]
    assert "Open it in AP Commission: http://127.0.0.1:8000/inbox/" in mail.outbox[0].body
    assert member.trust.name in mail.outbox[0].subject


def test_delivery_is_claimed_once_even_if_asked_twice(member):
    with scope(trust=member.trust_id):
        n = NotificationFactory(trust=member.trust, recipient=member.user)
        assert services.notification_deliver(notification_id=n.pk) is True
        assert services.notification_deliver(notification_id=n.pk) is False
    assert len(mail.outbox) == 1


def test_a_failed_email_is_retried_by_the_delivery_job(member, settings, time_machine):
    time_machine.move_to("2026-11-23 09:00", tick=False)
    settings.EMAIL_BACKEND = "tests.trusts.test_notifications.BrokenBackend"
    with scope(trust=member.trust_id):
        n = NotificationFactory(trust=member.trust, recipient=member.user)
        assert services.notification_deliver(notification_id=n.pk) is False
        n.refresh_from_db()
        assert n.email_status == Notification.EmailStatus.FAILED
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert services.notifications_deliver_pending() == 0  # too recent: it may still be in flight
        time_machine.move_to("2026-11-23 09:05", tick=False)
        assert services.notifications_deliver_pending() == 1
        assert services.notifications_deliver_pending() == 0
    assert len(mail.outbox) == 1


def test_a_claim_left_by_a_killed_worker_expires_and_the_email_is_sent(member, time_machine):
    time_machine.move_to("2026-11-23 09:00", tick=False)
    with scope(trust=member.trust_id):
        n = NotificationFactory(trust=member.trust, recipient=member.user)
        # A worker claimed it and died before sending: the row says "sending" with its claim time.
        Notification.objects.filter(pk=n.pk).update(
            email_status=Notification.EmailStatus.SENDING,
            email_attempts=1,
            email_claimed_at=n.created_at,
        )
        time_machine.move_to("2026-11-23 09:05", tick=False)
        assert services.notifications_deliver_pending() == 0  # another worker may still be sending it
        time_machine.move_to("2026-11-23 09:11", tick=False)
        assert services.notifications_deliver_pending() == 1
        assert services.notifications_deliver_pending() == 0
        n.refresh_from_db()
        assert n.email_status == Notification.EmailStatus.SENT and n.email_attempts == 2
    assert len(mail.outbox) == 1
    # The Message-ID is the notification's own, so a repeat after a kill mid-send is recognisable as one.
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<notification-{n.pk}@127.0.0.1>"


def test_in_app_only_notifications_are_not_emailed(member, django_capture_on_commit_callbacks):
    with scope(trust=member.trust_id), django_capture_on_commit_callbacks(execute=True):
        n, _ = _notify(member, key="x", email=False)
    assert n.email_status == Notification.EmailStatus.NOT_NEEDED
    assert mail.outbox == []


def test_inbox_lists_mine_and_marks_read(client, member, django_assert_num_queries):
    mine = [NotificationFactory(trust=member.trust, recipient=member.user) for _ in range(3)]
    other = MembershipFactory(trust=member.trust, school=member.school)
    NotificationFactory(trust=member.trust, recipient=other.user, subject="Not for you")
    sign_in(client, member)
    page = client.get(reverse("inbox"))
    body = page.content.decode()
    assert all(n.subject in body for n in mine)
    assert "Not for you" not in body
    assert 'aria-label="3 unread"' in body

    response = client.post(reverse("notification_read", args=[mine[0].pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Mark read" not in response.content.decode()
    client.post(reverse("notifications_read_all"))
    assert 'unread"' not in client.get(reverse("inbox")).content.decode()


def test_inbox_query_count_does_not_grow(client, member, django_assert_num_queries):
    sign_in(client, member)
    for _ in range(3):
        NotificationFactory(trust=member.trust, recipient=member.user)
    client.get(reverse("inbox"))
    with django_assert_num_queries(4):
        client.get(reverse("inbox"))
    for _ in range(20):
        NotificationFactory(trust=member.trust, recipient=member.user)
    with django_assert_num_queries(4):
        client.get(reverse("inbox"))


def test_someone_elses_notification_is_404(client, member):
    other = MembershipFactory(trust=member.trust, school=member.school)
    theirs = NotificationFactory(trust=member.trust, recipient=other.user)
    sign_in(client, member)
    assert client.post(reverse("notification_read", args=[theirs.pk])).status_code == 404


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")
