"""Queries of the providers app, and the hook through which later apps supply placement facts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from providers import vetting_data
from providers.models import (
    ApprovalCondition,
    ApprovalEvent,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Evidence,
    Provider,
    ProviderChecklist,
)
from providers.registration import PlacementFact, RegistrationResult, registration_check
from trusts.models import Membership
from trusts.roles import Role
from trusts.selectors import trust_policy

# --- Placement facts ------------------------------------------------------------------------------------
# The placements app depends on this one, not the other way round, so it registers a function here that
# returns the placement facts of a provider: ``fn(*, provider, window) -> Iterable[PlacementFact]`` with
# ``window`` a (first day, last day) pair. A system check (providers/checks.py) refuses to start with none.

FactSource = Callable[..., Iterable[PlacementFact]]
_FACT_SOURCES: list[FactSource] = []


def register_fact_source(fn: FactSource) -> FactSource:
    if fn not in _FACT_SOURCES:
        _FACT_SOURCES.append(fn)
    return fn


def fact_sources() -> tuple[FactSource, ...]:
    return tuple(_FACT_SOURCES)


def unregister_fact_source(fn: FactSource) -> None:
    if fn in _FACT_SOURCES:
        _FACT_SOURCES.remove(fn)


def registration_facts_provider(provider, *, window: tuple[date, date]) -> list[PlacementFact]:
    """Every registered source's facts about ``provider`` that touch ``window``."""
    facts: list[PlacementFact] = []
    for source in _FACT_SOURCES:
        facts.extend(f for f in source(provider=provider, window=window) if f.overlaps(*window))
    return facts


def provider_registration_status(provider, *, on: date | None = None, policy=None) -> RegistrationResult:
    day = on or timezone.localdate()
    facts = registration_facts_provider(provider, window=(day, day))
    return registration_check(
        provider=provider, facts=facts, policy=policy or trust_policy(provider.trust_id), on=day
    )


def school_ids_with_pupils_at(provider, *, on: date) -> set[int]:
    return {f.school_id for f in registration_facts_provider(provider, window=(on, on))}


def registration_facts_providers(providers, *, window: tuple[date, date]) -> dict[int, list[PlacementFact]]:
    """``registration_facts_provider`` for many providers at once, by provider id. A source that offers a
    ``many(*, providers, window) -> {provider_id: facts}`` attribute is asked once for all of them (a fixed
    number of queries); any other source is asked once a provider."""
    providers = list(providers)
    facts: dict[int, list[PlacementFact]] = {p.pk: [] for p in providers}
    for source in _FACT_SOURCES:
        many = getattr(source, "many", None)
        if many is not None:
            found = many(providers=providers, window=window)
        else:
            found = {p.pk: source(provider=p, window=window) for p in providers}
        for pk, rows in found.items():
            facts[pk].extend(f for f in rows if f.overlaps(*window))
    return facts


def school_ids_with_pupils_at_each(providers, *, on: date) -> dict[int, set[int]]:
    """``school_ids_with_pupils_at`` for many providers at once, by provider id."""
    return {
        pk: {f.school_id for f in rows}
        for pk, rows in registration_facts_providers(providers, window=(on, on)).items()
    }


# --- Providers ------------------------------------------------------------------------------------------


def provider_list(membership):
    """The register's rows, each with its evidence counted. The counts are subqueries a row, not a join and a
    grouping, so the database works them out only for the page shown and counting the rows for the pager reads
    the providers alone."""
    today = timezone.localdate()
    evidence = Evidence.objects.filter(provider=OuterRef("pk")).order_by().values("provider")
    expired_critical = Evidence.objects.filter(
        provider=OuterRef("pk"),
        evidence_type__in=critical_evidence_codes(),
        status=Evidence.Status.VERIFIED,
        expiry_date__lt=today,
    )
    return (
        Provider.objects.visible_to(membership)
        .annotate(
            evidence_count=Coalesce(Subquery(evidence.annotate(n=Count("pk")).values("n")), 0),
            pending_evidence=Coalesce(
                Subquery(evidence.filter(status=Evidence.Status.PENDING).annotate(n=Count("pk")).values("n")),
                0,
            ),
            next_expiry=Subquery(
                evidence.filter(expiry_date__gte=today).annotate(d=Max("expiry_date")).values("d")
            ),
            has_expired_critical=Exists(expired_critical),
        )
        .order_by("legal_name")
    )


def critical_evidence_codes(provider=None) -> list[str]:
    """Evidence types whose absence stops approval; motor cover counts where the provider carries pupils."""
    codes = [t["code"] for t in vetting_data.EVIDENCE_TYPES if t["critical"]]
    if provider is not None and provider.provides_transport:
        codes.append("motor_insurance")
    return codes


def replaced_by_newer_copy():
    """For an evidence subquery: a newer verified copy of the same kind at the same provider (one that runs
    longer, or does not run out) already replaces this document."""
    return Evidence.objects.filter(
        provider=OuterRef("provider"),
        evidence_type=OuterRef("evidence_type"),
        status=Evidence.Status.VERIFIED,
    ).filter(Q(expiry_date__isnull=True) | Q(expiry_date__gt=OuterRef("expiry_date")))


def critical_evidence_q() -> Q:
    """The evidence types of ``critical_evidence_codes`` as a filter over many providers at once."""
    return Q(evidence_type__in=critical_evidence_codes()) | Q(
        evidence_type="motor_insurance", provider__provides_transport=True
    )


def evidence_running_out(membership, *, on: date, warning_days: int, critical_only: bool = False):
    """Verified evidence that has run out, or runs out within ``warning_days`` of ``on``, and that no newer
    copy replaces, at providers not rejected; soonest first. Each row carries ``expired``."""
    evidence = (
        Evidence.objects.visible_to(membership)
        .filter(status=Evidence.Status.VERIFIED, expiry_date__lte=on + timedelta(days=warning_days))
        .exclude(provider__status=Provider.Status.REJECTED)
        .exclude(Exists(replaced_by_newer_copy()))
    )
    if critical_only:
        evidence = evidence.filter(critical_evidence_q())
    return evidence.select_related("provider").order_by("expiry_date", "provider__legal_name", "pk")


def provider_evidence(provider, membership):
    return (
        Evidence.objects.visible_to(membership)
        .filter(provider=provider)
        .select_related("uploaded_by", "verified_by")
        .order_by("evidence_type", "-issue_date", "-id")
    )


def current_checklist(provider) -> ProviderChecklist | None:
    return ProviderChecklist.objects.filter(provider=provider).select_related("template").first()


def checklist_template_shown(trust) -> ChecklistTemplate:
    """The trust's current checklist template, or, before the first change or answer saves one, version 1
    built from the default checklist in memory: showing the checklist never writes it."""
    template = ChecklistTemplate.objects.filter(trust=trust, is_current=True).first()
    if template is not None:
        return template
    template = ChecklistTemplate(
        trust=trust, version=1, name=vetting_data.VETTING_CHECKLIST["name"], is_current=True
    )
    template.unsaved_sections, template.unsaved_items = [], []
    for s_order, data in enumerate(vetting_data.VETTING_CHECKLIST["sections"], start=1):
        section = ChecklistSection(
            trust=trust, template=template, code=data["code"], title=data["title"], order=s_order
        )
        template.unsaved_sections.append(section)
        for i_order, item in enumerate(data["items"], start=1):
            template.unsaved_items.append(
                ChecklistItem(
                    trust=trust,
                    template=template,
                    section=section,
                    code=item["code"],
                    text=item["text"],
                    guidance=item.get("guidance", ""),
                    applies_to=item.get("applies_to", "all"),
                    evidence_types=list(item.get("evidence_types", [])),
                    required=item.get("required", True),
                    order=i_order,
                )
            )
    return template


def template_sections(template: ChecklistTemplate) -> list[ChecklistSection]:
    if template.pk is None:
        return list(template.unsaved_sections)
    return list(template.sections.order_by("order"))


def template_items(template: ChecklistTemplate) -> list[ChecklistItem]:
    """The template's items in order, each with its section (saved or, for the default, in memory)."""
    if template.pk is None:
        return list(template.unsaved_items)
    return list(template.items.select_related("section").order_by("section__order", "order"))


def unanswered_rows(template: ChecklistTemplate, provider: Provider):
    """The template's items that apply to the provider, none answered: a checklist not started yet."""
    return [(item, None) for item in template_items(template) if item.applies_to_provider(provider)]


def checklist_rows(checklist: ProviderChecklist):
    """The checklist's items that apply to the provider, each with its answer (or None), in order."""
    provider = checklist.provider
    answers = {
        a.item_id: a
        for a in ChecklistAnswer.objects.filter(checklist=checklist)
        .select_related("answered_by")
        .prefetch_related("evidence")
    }
    items = checklist.template.items.select_related("section").order_by("section__order", "order")
    return [(item, answers.get(item.pk)) for item in items if item.applies_to_provider(provider)]


def approval_history(provider):
    return ApprovalEvent.objects.filter(provider=provider).select_related("actor").order_by("-at", "-id")


def open_conditions(provider):
    return ApprovalCondition.objects.filter(provider=provider).order_by("met_at", "due_date", "id")


# --- Provider staff -------------------------------------------------------------------------------------


def provider_staff(provider):
    """The provider's staff who have access now."""
    return (
        Membership.objects.active()
        .filter(role=Role.PROVIDER_STAFF, provider=provider)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def provider_former_staff(provider):
    """Staff whose access was removed, newest first, with who removed it and when."""
    return (
        Membership.objects.filter(role=Role.PROVIDER_STAFF, provider=provider, is_active=False)
        .select_related("user", "ended_by")
        .order_by("-ended_at", "-pk")
    )
