"""The daily expiry job: warn before evidence runs out, lapse approvals whose evidence has run out."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Exists
from django.urls import reverse
from django.utils import timezone

from providers.models import Evidence, Provider
from providers.selectors import replaced_by_newer_copy, school_ids_with_pupils_at_each
from providers.services.approval import missing_critical_evidence, providers_lapse
from providers.services.common import Status, long_date
from trusts.models import School
from trusts.recipients import Directory, Subject, alert_each
from trusts.selectors import trust_policy


def evidence_expiry_run(*, trust, on: date | None = None) -> dict:
    """Warn about evidence running out soon and lapse approvals whose critical evidence (or approval date) has
    run out. Decides from the database alone and sends each notification once, so it is safe to re-run."""
    on = on or timezone.localdate()
    policy = trust_policy(trust.pk)
    horizon = on + timedelta(days=policy.evidence_expiry_warning_days)
    directory = Directory()

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
    subjects = []
    for evidence in expiring:
        provider = evidence.provider
        url = reverse("providers:provider_detail", kwargs={"provider_pk": provider.pk})
        days = (evidence.expiry_date - on).days
        subjects.append(
            Subject(
                key=f"evidence-expiring:{evidence.pk}:{evidence.expiry_date}",
                subject=f"{provider}: {evidence.type_label} runs out in {days} days",
                body=(
                    f"The {evidence.type_label.lower()} of {provider} runs out on "
                    f"{long_date(evidence.expiry_date)}. Please upload the renewed document before then: "
                    "without it, an approval that depends on it lapses."
                ),
                url=f"{url}#evidence",
                provider=provider,
            )
        )
    warned = alert_each(
        kind="providers.evidence_expiring", trust=trust, subjects=subjects, directory=directory
    )

    # Every approved provider's documents in one query; the lapses written together, their alerts together.
    approved = list(Provider.objects.filter(status__in=Provider.APPROVED_STATUSES))
    evidence_of: dict[int, list[Evidence]] = defaultdict(list)
    for evidence in Evidence.objects.filter(provider__in=[p.pk for p in approved]):
        evidence_of[evidence.provider_id].append(evidence)
    reasons_of: dict[int, list[str]] = {}
    for provider in approved:
        reasons = missing_critical_evidence(provider=provider, on=on, evidence=evidence_of[provider.pk])
        if provider.approved_until is not None and provider.approved_until < on:
            reasons.insert(0, f"The approval ran to {long_date(provider.approved_until)}.")
        if reasons:
            reasons_of[provider.pk] = reasons
    if not reasons_of:
        return {"warned": warned, "lapsed": 0}
    with transaction.atomic():
        # Those moved on by someone else since the list was read are left out.
        done = providers_lapse(reasons={pk: "; ".join(r) for pk, r in reasons_of.items()})
        schools_of = school_ids_with_pupils_at_each([p for p, _ in done], on=on)
        schools = School.objects.in_bulk(set().union(*schools_of.values()))
        subjects = []
        for provider, event in done:
            reasons = reasons_of[provider.pk]
            url = reverse("providers:provider_detail", kwargs={"provider_pk": provider.pk})
            subjects.append(
                Subject(
                    key=f"provider-lapsed:{provider.pk}:{event.pk}",
                    subject=f"{provider}: approval lapsed",
                    body=(
                        f"The approval of {provider} has lapsed, so no new placements can be agreed there until "
                        "it is approved again. What ran out:\n- " + "\n- ".join(reasons)
                    ),
                    url=url,
                    provider=provider,
                    schools=tuple(schools[pk] for pk in sorted(schools_of[provider.pk])),
                )
            )
        alert_each(kind="providers.provider_lapsed", trust=trust, subjects=subjects, directory=directory)
    return {"warned": warned, "lapsed": len(done)}
