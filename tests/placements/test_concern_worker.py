"""An unacknowledged safeguarding concern escalates on a real Celery worker on Redis: once, also when the job
runs twice at once or again later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django_scopes import scope, scopes_disabled

from placements.safeguarding import services
from placements.tasks import escalate_concerns
from tests.attendance.test_chase_worker import Worker
from tests.placements.conftest import new_placement
from trusts.models import Notification

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
RAISED = datetime(2026, 11, 23, 9, 40, tzinfo=UTC)


def escalations(trust):
    with scopes_disabled():
        return sorted(
            Notification.objects.filter(trust=trust, kind="safeguarding.concern_escalated").values_list(
                "recipient__username", flat=True
            )
        )


def test_an_unacknowledged_concern_escalates_once_on_a_real_worker(world, time_machine):
    time_machine.move_to(RAISED, tick=True)
    with scopes_disabled():
        placement = new_placement(world, status="active")
    with scope(trust=world.trust_a.pk):
        services.concern_raise(
            by=world.personas["a.provider_staff"],
            placement=placement,
            category="exploitation",
            account="A man in a grey car waits for her at the gate; she says she owes him.",
            occurred_at=RAISED - timedelta(minutes=10),
        )
    with Worker():
        trust_id = world.trust_a.pk
        time_machine.move_to(RAISED + timedelta(minutes=10), tick=True)
        assert escalate_concerns.delay(trust_id=trust_id).get(timeout=30) == 0
        assert escalations(world.trust_a) == []

        time_machine.move_to(RAISED + timedelta(minutes=16), tick=True)
        results = [escalate_concerns.delay(trust_id=trust_id) for _ in range(2)]
        assert sorted(r.get(timeout=30) for r in results) == [0, 1]
        assert escalate_concerns.delay(trust_id=trust_id).get(timeout=30) == 0
    assert escalations(world.trust_a) == ["a-headteacher", "a-trust_dsl"]
