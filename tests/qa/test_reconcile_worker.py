"""The QA reconciler on a real Celery worker on Redis: the visitor is reminded of a planned visit, an overdue
visit is chased, improvement actions are reminded and chased and, past the grace, the trust admin is asked to
decide; each message once, also when the job runs twice at once or again later."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope, scopes_disabled

from qa import services
from qa.tasks import reconcile
from tests.attendance.test_chase_worker import Worker
from tests.qa.conftest import build_setup, fill_visit
from trusts.models import Notification

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


def run(trust_id, times=1):
    results = [reconcile.delay(trust_id=trust_id) for _ in range(times)]
    return [r.get(timeout=30) for r in results]


def sent(trust):
    with scopes_disabled():
        return sorted(Notification.objects.filter(trust=trust).values_list("kind", "recipient__username"))


def test_reminders_and_chases_once_each_on_a_real_worker(time_machine):
    time_machine.move_to(datetime(2026, 10, 19, 7, 0, tzinfo=LONDON), tick=True)
    s = build_setup()  # unregistered: a visit each half-term, the first due by 25 October
    with scope(trust=s.trust.pk):
        visit = services.visit_plan(
            provider=s.provider, by=s.visitor, planned_for=date(2026, 10, 23), visitor=s.visitor.user
        )

    with Worker():
        # Four days before the planned visit: the visitor is reminded, once, however many runs.
        run(s.trust.pk, times=2)
        run(s.trust.pk)
        assert sent(s.trust) == [("qa.visit_reminder", "visitor")]

        # The visit did not happen and the half-term ended: chased, to the visitor and the trust admin.
        time_machine.move_to(datetime(2026, 11, 2, 7, 0, tzinfo=LONDON), tick=True)
        run(s.trust.pk, times=2)
        overdue = [n for n in sent(s.trust) if n[0] == "qa.visit_overdue"]
        assert overdue == [("qa.visit_overdue", "admin"), ("qa.visit_overdue", "visitor")]

        # Recorded and completed on 3 November with an action due 11 December.
        time_machine.move_to(datetime(2026, 11, 3, 16, 0, tzinfo=LONDON), tick=True)
        with scope(trust=s.trust.pk):
            visit = fill_visit(visit, s.visitor, on=date(2026, 11, 3))
            services.visit_complete(visit=visit, by=s.visitor, on=date(2026, 11, 3))

        time_machine.move_to(datetime(2026, 12, 9, 7, 0, tzinfo=LONDON), tick=True)
        run(s.trust.pk, times=2)
        due = [n for n in sent(s.trust) if n[0] == "qa.action_due"]
        assert due == [("qa.action_due", "pstaff"), ("qa.action_due", "visitor")]

        time_machine.move_to(datetime(2026, 12, 29, 7, 0, tzinfo=LONDON), tick=True)
        run(s.trust.pk, times=2)
        run(s.trust.pk)
        kinds = sent(s.trust)
        assert [n for n in kinds if n[0] == "qa.action_overdue"] == [
            ("qa.action_overdue", "pstaff"),
            ("qa.action_overdue", "visitor"),
        ]
        assert [n for n in kinds if n[0] == "qa.provider_flagged"] == [("qa.provider_flagged", "admin")]

        before = sent(s.trust)
        run(s.trust.pk, times=3)
        assert sent(s.trust) == before
