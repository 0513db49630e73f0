"""The QA reconciler's queries do not grow with the providers it has something to say about."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from qa import services
from qa.models import ProviderFlag
from tests.factories import PlacementFactory, ProviderFactory, PupilFactory
from tests.qa.conftest import ImprovementActionFactory, VisitFactory
from trusts.models import Notification

pytestmark = pytest.mark.django_db
ON = date(2026, 12, 28)


def _providers_due(s, count):
    """``count`` providers, each with a pupil placed, a visit planned in two days, an action due in two days
    and one overdue past the grace (so each is reminded, chased and flagged)."""
    with scope(trust=s.trust.pk):
        for _ in range(count):
            provider = ProviderFactory(trust=s.trust, status="approved", approved_until=date(2027, 8, 31))
            PlacementFactory(
                pupil=PupilFactory(school=s.school, year_group="10"),
                provider=provider,
                status="active",
                start_date=date(2026, 9, 7),
                planned_end_date=date(2027, 7, 16),
            )
            VisitFactory(provider=provider, visitor=s.visitor.user, planned_for=date(2026, 12, 30))
            overdue = ImprovementActionFactory(
                visit__provider=provider, visit__visitor=s.visitor.user, due_date=date(2026, 12, 4)
            )
            ImprovementActionFactory(visit=overdue.visit, provider=provider, due_date=date(2026, 12, 30))


def _queries_of_one_run(s):
    with scope(trust=s.trust.pk), CaptureQueriesContext(connection) as ctx:
        sent = services.qa_reconcile(trust=s.trust, on=ON)
    return len(ctx.captured_queries), sent


def test_the_reconcilers_queries_are_the_same_for_2_and_10_providers_due(s):
    _providers_due(s, 2)
    few, sent = _queries_of_one_run(s)
    assert sent["flags"] == 2 and sent["reminders"] >= 2 and sent["action_due"] >= 2
    _providers_due(s, 10)
    many, sent = _queries_of_one_run(s)
    assert sent["flags"] == 10 and sent["reminders"] >= 10 and sent["action_due"] >= 10
    assert many == few, (few, many)
    with scopes_disabled():
        assert ProviderFlag.objects.filter(reason="action_overdue").count() == 12
        flagged = Notification.objects.filter(kind="qa.provider_flagged")
        assert flagged.count() == 12 and all(n.recipient_id == s.admin.user_id for n in flagged)
    # A re-run raises and sends nothing again.
    _, again = _queries_of_one_run(s)
    assert again["flags"] == 0 and again["action_overdue"] == 0 and again["reminders"] == 0
