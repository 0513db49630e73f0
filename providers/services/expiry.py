"""The daily expiry job: warn before evidence runs out, lapse approvals whose evidence has run out."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Exists
from django.urls import reverse
from django.utils import timezone

from providers.models import Evidence, Provider
from providers.selectors import replaced_by_newer_copy, school_ids_with_pupils_at
from providers.services.approval import missing_critical_evidence, provider_lapse
from providers.services.common import Status, long_date
from trusts.errors import DomainError
from trusts.models import School
from trusts.recipients import Directory, alert
from trusts.selectors import trust_policy


def evidence_expiry_run(*, trust, on: date | None = None) -> dict:
    """Warn about evidence running out soon and lapse approvals whose critical evidence (or approval date) has
    run out. Decides from the database alone and sends each notification once, so it is safe to re-run."""
    on = on or timezone.localdate()
    policy = trust_policy(trust.pk)
    horizon = on + timedelta(days=policy.evidence_expiry_warning_days)
    directory = Directory()
    warned = lapsed = 0

    # A document that a newer verified copy of the same kind already replaces is not worth a warning.
    replaced = replaced_by_newer_copy()
    expiring = (
        Evidence.objects.filter(
            status=Evidence.Status.VERIFIED, expiry_date__gte=on, expiry_date__lte=horizon
        )
        .exclude(provider__status=Status.REJECTED)
        .exclude(Exists(replaced))
        .select_related("provider")
    )
    for evidence in expiring:
        provider = evidence.provider
        url = reverse("providers:provider_detail", kwargs={"provider_pk": provider.pk})
        days = (evidence.expiry_date - on).days
        warned += alert(
            kind="providers.evidence_expiring",
            trust=trust,
            key=f"evidence-expiring:{evidence.pk}:{evidence.expiry_date}",
            subject=f"{provider}: {evidence.type_label} runs out in {days} days",
            body=(
                f"The {evidence.type_label.lower()} of {provider} runs out on "
                f"{long_date(evidence.expiry_date)}. Please upload the renewed document before then: "
                "without it, an approval that depends on it lapses."
            ),
            url=f"{url}#evidence",
            provider=provider,
            directory=directory,
        )

    for provider in Provider.objects.filter(status__in=Provider.APPROVED_STATUSES):
        reasons = missing_critical_evidence(provider=provider, on=on)
        if provider.approved_until is not None and provider.approved_until < on:
            reasons.insert(0, f"The approval ran to {long_date(provider.approved_until)}.")
        if not reasons:
            continue
        with transaction.atomic():
            try:
                event = provider_lapse(provider=provider, reason="; ".join(reasons))
            except DomainError:
                continue  # moved on by someone else since the list was read
            url = reverse("providers:provider_detail", kwargs={"provider_pk": provider.pk})
            body = (
                f"The approval of {provider} has lapsed, so no new placements can be agreed there until it "
                "is approved again. What ran out:\n- " + "\n- ".join(reasons)
            )
            alert(
                kind="providers.provider_lapsed",
                trust=trust,
                key=f"provider-lapsed:{provider.pk}:{event.pk}",
                subject=f"{provider}: approval lapsed",
                body=body,
                url=url,
                provider=provider,
                schools=School.objects.filter(pk__in=school_ids_with_pupils_at(provider, on=on)),
                directory=directory,
            )
            lapsed += 1
    return {"warned": warned, "lapsed": lapsed}
