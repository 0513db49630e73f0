"""The demo's data is believable: every school has its own pupils, and seeded alerts carry the times of the
events they describe."""

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from attendance.demo import DEMO_NOW
from attendance.models import ChaseEvent
from placements.models import Pupil
from trusts.models import Notification


@pytest.mark.django_db
def test_each_school_has_its_own_pupils_and_alerts_carry_their_times(capsys):
    call_command("seed_demo")
    with scopes_disabled():
        names = list(Pupil.objects.values_list("legal_first_name", "legal_last_name"))
        assert len(names) == len(set(names)), "the same pupil name appears in two schools"

        events = list(ChaseEvent.objects.select_related("expected_session"))
        assert events
        for event in events:
            assert event.occurred_at <= DEMO_NOW
            assert event.occurred_at >= event.expected_session.starts_at
            told = Notification.objects.filter(key=f"chase:{event.kind}:{event.expected_session_id}")
            assert told.exists()
            assert set(told.values_list("created_at", flat=True)) == {event.occurred_at}
        assert len({e.occurred_at for e in events}) > 1
