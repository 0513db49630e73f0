"""The demo's QA: completed visits with mixed ratings, open and closed actions, an overdue visit and a "does
not meet" outcome waiting for the trust admin."""

from datetime import date

import pytest
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from qa import selectors
from qa.models import ImprovementAction, ProviderFlag, Visit, VisitRating
from trusts.models import Trust


@pytest.mark.django_db
def test_demo_has_every_qa_situation(capsys):
    call_command("seed_demo")
    with scopes_disabled():
        trusts = list(Trust.objects.all())
    for trust in trusts:
        with scope(trust=trust.pk):
            assert Visit.objects.completed().count() >= 2, trust
            ratings = set(VisitRating.objects.values_list("rating", flat=True))
            assert {"fully", "partially"} <= ratings
            assert Visit.objects.filter(status="planned").exists()
            if ProviderFlag.objects.exists():
                assert ProviderFlag.objects.waiting().filter(reason="does_not_meet").exists()
                assert "limited" in ratings and "not_at_all" in ratings
                assert any(
                    r.overdue for r in selectors.visit_schedule(on=date(2026, 11, 20), trust_id=trust.pk)
                )
    with scopes_disabled():
        assert ProviderFlag.objects.filter(reason="does_not_meet", decision="").exists()
        assert ImprovementAction.objects.filter(status="closed").exists()
        assert ImprovementAction.objects.filter(status="open").exists()
