"""The reminder jobs and the email delivery run a fixed number of queries however many placements are due (the
bench runs them over a large trust: docs/performance.md)."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from placements import reminders
from placements.models import Placement
from tests.factories import NotificationFactory, ReviewFactory, TimetableSessionFactory, UserFactory
from tests.placements.conftest import new_placement
from trusts import services
from trusts.models import Notification, TrustPolicy


def _queries(job) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        result = job()
    return len(queries.captured_queries), result


def _reviews_due(pw, n):
    TrustPolicy.objects.filter(trust=pw.trust_a).update(parent_review_termly=False)
    for _ in range(n):
        placement = new_placement(pw)
        Placement.objects.filter(pk=placement.pk).update(status=Placement.Status.ACTIVE)
        ReviewFactory(placement=placement, scheduled_for=date(2026, 11, 18))  # overdue on the 20th


@pytest.mark.parametrize("job", ["reviews", "sla"])
def test_reminder_jobs_run_the_same_queries_for_two_placements_and_for_ten(pw, job):
    def due(n):
        if job == "reviews":
            _reviews_due(pw, n)
        else:
            for _ in range(n):
                TimetableSessionFactory(placement=new_placement(pw, start_date=date(2026, 11, 30)))

    run = reminders.reviews_remind if job == "reviews" else reminders.sla_unsigned_remind
    due(2)
    few, sent_few = _queries(run)
    again, sent_again = _queries(run)  # a re-run: everything already told, nothing sent
    due(8)
    many, sent_many = _queries(run)
    assert sent_few > 0 and sent_again == 0 and sent_many == 4 * sent_few
    assert few == again == many, (few, again, many)
    assert many <= 6


def test_email_delivery_costs_one_round_trip_an_email(pw):
    def due(n):
        for _ in range(n):
            NotificationFactory(trust=pw.trust_a, recipient=UserFactory())
        Notification.objects.filter(email_status="pending").update(
            created_at=timezone.now() - timedelta(minutes=10)
        )

    due(2)
    few, sent_few = _queries(services.notifications_deliver_pending)
    due(10)
    many, sent_many = _queries(services.notifications_deliver_pending)
    assert (sent_few, sent_many) == (2, 10)
    # The due ones read at once; each email claimed before it is sent and recorded as sent in the statement
    # that claims the next (a worker killed mid-run leaves at most one claimed): one round trip an email.
    assert (few, many) == (2 + 2, 10 + 2)
    assert len(mail.outbox) == 12 and len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 12
    assert set(Notification.objects.values_list("email_status", flat=True)) == {"sent"}


def test_delivering_a_chases_emails_claims_each_by_its_key_alone(pw):
    """A chase's alerts go to one delivery task with every new notification's id: each claim names its one key,
    so a claim costs the same for 3 emails and for 3,000 (it repeated the whole list of ids in every claim)."""

    def claims_of(n):
        before = set(Notification.objects.values_list("pk", flat=True))
        for _ in range(n):
            NotificationFactory(trust=pw.trust_a, recipient=UserFactory())
        ids = sorted(set(Notification.objects.values_list("pk", flat=True)) - before)
        with CaptureQueriesContext(connection) as queries:
            sent = services.notifications_deliver(ids=ids, limit=len(ids))
        assert sent == n
        # The statements as sent, each value written out: with the numbers taken out, every claim is the same.
        return [
            re.sub(r"[0-9]+", "N", q["sql"]) for q in queries.captured_queries if "SKIP LOCKED" in q["sql"]
        ]

    few, many = claims_of(3), claims_of(12)
    assert len(few) == 3 and len(many) == 12
    assert len(set(few + many)) == 1
