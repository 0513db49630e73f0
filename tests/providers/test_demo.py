import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from providers import services
from providers.models import Provider


@pytest.mark.django_db
def test_demo_approvals_meet_the_approval_rule(capsys):
    call_command("seed_demo")
    today = timezone.localdate()
    with scopes_disabled():
        providers = list(Provider.objects.select_related("trust"))
    approved = [p for p in providers if p.status in Provider.APPROVED_STATUSES]
    assert {p.legal_name for p in approved} >= {
        "Brightpath Learning CIC",
        "The Forge Engineering Academy Ltd",
    }
    for provider in approved:
        with scope(trust=provider.trust_id):
            assert services.approval_problems(provider=provider, on=today) == [], provider.legal_name
    # The provider waiting for a decision still has gaps, and they are named.
    meadow = next(p for p in providers if p.legal_name == "Meadow Farm Education Trust")
    assert meadow.status == Provider.Status.SUBMITTED
    with scope(trust=meadow.trust_id):
        problems = services.approval_problems(provider=meadow, on=today)
    assert any(p.startswith("Professional negligence") for p in problems)
    assert any(p.startswith("ICO registration") for p in problems)
