from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from providers import selectors, services, tasks
from providers.models import ApprovalEvent, Evidence, Provider
from providers.registration import PlacementFact
from tests.factories import EvidenceFactory, ProviderFactory
from tests.providers.conftest import make_ready
from trusts.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(world, admin, provider, staff):
    """Provider a, approved on 16 November 2026, with its public liability cover running out on 6 December."""
    with time_machine.travel("2026-11-16 10:00 +0000", tick=False), scope(trust=world.trust_a.pk):
        make_ready(provider, admin)
        Evidence.objects.filter(provider=provider, evidence_type="public_liability_insurance").update(
            expiry_date=date(2026, 12, 6)
        )
        services.provider_submit(provider=provider, by=admin)
        services.provider_approve(provider=provider, by=admin, approved_until=date(2027, 7, 31))
    return provider


@pytest.fixture
def pupils_from_school_a1(world):
    def source(*, provider, window):
        if provider.pk != world.providers["a"].pk:
            return []
        return [
            PlacementFact(
                placement_id=1,
                pupil_id=1,
                school_id=world.schools["a1"].pk,
                start=date(2026, 9, 1),
                end=None,
                hours_per_week=Decimal("10"),
                looked_after=False,
                ehcp=False,
            )
        ]

    selectors.register_fact_source(source)
    yield
    selectors.unregister_fact_source(source)


def run_job():
    return tasks.check_evidence_expiry_all_trusts()


def notifications(kind):
    with scopes_disabled():
        return list(Notification.objects.filter(kind=kind).select_related("recipient"))


def test_expiring_evidence_warns_admins_and_provider_staff_once(world, approved):
    with time_machine.travel("2026-11-20 06:15 +0000", tick=False):
        run_job()
        run_job()
    sent = notifications("providers.evidence_expiring")
    assert sorted(n.recipient.username for n in sent) == ["a-provider_staff", "a-trust_admin"]
    assert all("runs out in 16 days" in n.subject for n in sent)
    with scope(trust=world.trust_a.pk):
        approved.refresh_from_db()
    assert approved.status == Provider.Status.APPROVED


def test_nothing_to_warn_about_beyond_the_warning_window(world, approved):
    with time_machine.travel("2026-11-01 06:15 +0000", tick=False):
        run_job()
    assert notifications("providers.evidence_expiring") == []


def test_a_renewed_document_silences_the_warning(world, approved):
    EvidenceFactory(
        provider=approved,
        evidence_type="public_liability_insurance",
        issue_date=date(2026, 12, 1),
        expiry_date=date(2027, 12, 1),
        insured_amount=Decimal("5000000"),
    )
    with time_machine.travel("2026-11-20 06:15 +0000", tick=False):
        run_job()
    assert notifications("providers.evidence_expiring") == []


def test_expired_critical_evidence_lapses_the_approval_once(world, approved, pupils_from_school_a1):
    with time_machine.travel("2026-12-07 06:15 +0000", tick=False):
        run_job()
        run_job()
    with scope(trust=world.trust_a.pk):
        approved.refresh_from_db()
        assert approved.status == Provider.Status.LAPSED
        assert not approved.is_approved_on(date(2026, 12, 7))
        lapses = list(ApprovalEvent.objects.filter(provider=approved, to_status="lapsed"))
    assert len(lapses) == 1
    assert lapses[0].actor is None and lapses[0].actor_label == "system"
    assert "Public liability insurance certificate: ran out on 6 December 2026" in lapses[0].reason
    sent = notifications("providers.provider_lapsed")
    # Trust admin, the provider's staff, and the DSL of the school with a pupil there; not the other school's.
    assert sorted(n.recipient.username for n in sent) == ["a-provider_staff", "a-school_dsl", "a-trust_admin"]
    assert all(n.urgent for n in sent)


def test_without_placements_no_school_dsl_is_told(world, approved):
    with time_machine.travel("2026-12-07 06:15 +0000", tick=False):
        run_job()
    assert sorted(n.recipient.username for n in notifications("providers.provider_lapsed")) == [
        "a-provider_staff",
        "a-trust_admin",
    ]


def test_approval_past_its_date_lapses(world, approved):
    with scope(trust=world.trust_a.pk):
        Evidence.objects.filter(provider=approved).update(expiry_date=date(2028, 1, 1))
    with time_machine.travel("2027-08-02 06:15 +0000", tick=False):
        run_job()
    with scope(trust=world.trust_a.pk):
        approved.refresh_from_db()
        event = ApprovalEvent.objects.get(provider=approved, to_status="lapsed")
    assert approved.status == Provider.Status.LAPSED
    assert event.reason.startswith("The approval ran to 31 July 2027.")


def test_other_trusts_are_untouched(world, approved):
    provider_b = world.providers["b"]
    with scopes_disabled():
        Provider.objects.filter(pk=provider_b.pk).update(status="approved", approved_until=date(2027, 1, 1))
    with time_machine.travel("2026-12-07 06:15 +0000", tick=False):
        tasks.check_evidence_expiry.delay(trust_id=world.trust_a.pk)
    with scopes_disabled():
        provider_b.refresh_from_db()
    # Trust B's provider has no evidence at all, but only trust A's job ran.
    assert provider_b.status == "approved"


def test_task_needs_a_trust_id():
    # Refused at the caller, even inside a transaction where sending waits for the commit.
    with pytest.raises(TypeError):
        tasks.check_evidence_expiry.delay()
    with pytest.raises(TypeError):
        tasks.check_evidence_expiry.delay(trust_id="1")


def test_beat_schedule_has_the_daily_job(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["providers-evidence-expiry"]
    assert entry["task"] == "providers.tasks.check_evidence_expiry_all_trusts"


def _due_providers(world, count):
    """``count`` approved providers of trust A whose approval ran to 1 December 2026, each with a verified
    document running out on 20 December (so each is warned about and lapsed)."""
    with scope(trust=world.trust_a.pk):
        for _ in range(count):
            provider = ProviderFactory(
                trust=world.trust_a, status="approved", approved_until=date(2026, 12, 1)
            )
            EvidenceFactory(provider=provider, expiry_date=date(2026, 12, 20))


def _queries_of_one_run(world):
    with (
        time_machine.travel("2026-12-07 06:15 +0000", tick=False),
        scope(trust=world.trust_a.pk),
        CaptureQueriesContext(connection) as ctx,
    ):
        result = services.evidence_expiry_run(trust=world.trust_a)
    return len(ctx.captured_queries), result


def test_the_jobs_queries_are_the_same_for_2_and_10_providers_due(world):
    _due_providers(world, 2)
    few, result = _queries_of_one_run(world)
    assert result == {"warned": 2, "lapsed": 2}
    _due_providers(world, 10)
    many, result = _queries_of_one_run(world)
    assert result == {"warned": 10, "lapsed": 10}
    assert many == few, (few, many)
    with scope(trust=world.trust_a.pk):
        assert ApprovalEvent.objects.filter(to_status="lapsed").count() == 12
        assert Provider.history.filter(status="lapsed").count() == 12
    assert len({n.key for n in notifications("providers.provider_lapsed")}) == 12
