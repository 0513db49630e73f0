"""Approval: what stops a provider being approved, and the workflow from draft to approved and back, each
step recorded with who, when and why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from providers import vetting_data
from providers.models import (
    EVIDENCE_TYPES_BY_CODE,
    ApprovalCondition,
    ApprovalEvent,
    ChecklistAnswer,
    Evidence,
    Provider,
)
from providers.selectors import checklist_rows, critical_evidence_codes, current_checklist
from providers.services.checklists import provider_checklist_start
from providers.services.common import (
    DECIDE_FROM,
    LAPSE_FROM,
    SUBMIT_FROM,
    SUSPEND_FROM,
    Status,
    long_date,
    money,
)
from trusts.errors import DomainError
from trusts.models import Membership
from trusts.permissions import require
from trusts.selectors import trust_policy


def _require_approver(by: Membership, doing: str) -> None:
    require(by, "provider.approve", f"Only a trust admin can {doing}.")


def missing_critical_evidence(*, provider: Provider, on: date, evidence=None) -> list[str]:
    """What is missing among the documents without which the provider cannot be approved. ``evidence``: the
    provider's documents, where the caller has them already (a job checking many providers at once)."""
    problems = []
    if evidence is None:
        evidence = Evidence.objects.filter(provider=provider)
    evidence = [e for e in evidence if e.status != Evidence.Status.REJECTED]
    for code in critical_evidence_codes(provider):
        label = EVIDENCE_TYPES_BY_CODE[code]["label"]
        of_type = [e for e in evidence if e.evidence_type == code]
        if any(e.status == Evidence.Status.VERIFIED and e.is_in_date_on(on) for e in of_type):
            continue
        if any(e.status == Evidence.Status.PENDING and e.is_in_date_on(on) for e in of_type):
            problems.append(f"{label}: uploaded, but the trust has not verified it yet.")
        elif of_type:
            ran_out = max((e.expiry_date for e in of_type if e.expiry_date), default=None)
            when = f" ran out on {long_date(ran_out)}" if ran_out and ran_out < on else " is not in date"
            problems.append(f"{label}:{when}; an in-date copy is needed.")
        else:
            problems.append(f"{label}: missing.")
    return problems


def insurance_problems(*, provider: Provider, on: date, policy=None) -> list[str]:
    policy = policy or trust_policy(provider.trust_id)
    problems = []
    current = [
        e
        for e in Evidence.objects.filter(provider=provider, status=Evidence.Status.VERIFIED)
        if e.insurance_kind and e.is_in_date_on(on)
    ]
    for kind in vetting_data.INSURANCE_KINDS:
        minimum = policy.minimum_insurance(kind)
        if minimum is None or (kind == "motor" and not provider.provides_transport):
            continue
        docs = [e for e in current if e.insurance_kind == kind]
        if not docs:
            continue
        best = max(e.insured_amount or Decimal(0) for e in docs)
        if best < minimum:
            label = EVIDENCE_TYPES_BY_CODE[docs[0].evidence_type]["label"]
            problems.append(f"{label}: covers {money(best)}; the trust's minimum is {money(minimum)}.")
    return problems


def _evidence_satisfies(evidence: Evidence, types, on: date) -> bool:
    return (
        evidence.evidence_type in types
        and evidence.status == Evidence.Status.VERIFIED
        and evidence.is_in_date_on(on)
    )


def checklist_item_evidence_problem(*, item, answer, provider_evidence, on: date) -> str | None:
    """Why a "yes" to ``item`` is not backed by a document, or None when it is. The documents linked to the
    answer count; an answer that links none is backed by the provider's own documents on file. Either way
    only a verified document, in date on ``on``, of one of the kinds the item names will do."""
    types = list(item.evidence_types or [])
    if not types:
        return None
    linked = list(answer.evidence.all())
    candidates = linked or provider_evidence
    if any(_evidence_satisfies(e, types, on) for e in candidates):
        return None
    kinds = " or ".join(
        EVIDENCE_TYPES_BY_CODE[t]["label"] if t in EVIDENCE_TYPES_BY_CODE else t for t in types
    )
    if linked:
        return (
            f"{kinds}: none of the documents linked to the checklist answer is verified and in date "
            f"(answered yes: {item.text})"
        )
    return f"{kinds}: no verified, in-date copy on file (checklist answered yes: {item.text})"


def checklist_problems(*, provider: Provider, on: date | None = None) -> list[str]:
    """Every required item that applies to the provider must be answered yes or not applicable, and every
    "yes" to an item that names kinds of evidence must be backed by a verified, in-date document of one of
    those kinds."""
    on = on or timezone.localdate()
    checklist = current_checklist(provider)
    if checklist is None:
        return ["The vetting checklist has not been started."]
    provider_evidence = list(Evidence.objects.filter(provider=provider))
    problems = []
    for item, answer in checklist_rows(checklist):
        given = answer.answer if answer is not None else ""
        if item.required and not given:
            problems.append(f"Checklist not answered: {item.text}")
        elif item.required and given == ChecklistAnswer.Answer.NO:
            problems.append(f"Checklist answered no: {item.text}")
        elif given == ChecklistAnswer.Answer.YES:
            problem = checklist_item_evidence_problem(
                item=item, answer=answer, provider_evidence=provider_evidence, on=on
            )
            if problem:
                problems.append(problem)
    return problems


def approval_problems(*, provider: Provider, on: date | None = None) -> list[str]:
    """Everything that stops the provider being approved today (an empty list: nothing does)."""
    on = on or timezone.localdate()
    problems = []
    if provider.is_registered_school and not provider.urn:
        problems.append("A registered school needs its URN recorded.")
    problems += missing_critical_evidence(provider=provider, on=on)
    problems += insurance_problems(provider=provider, on=on)
    problems += checklist_problems(provider=provider, on=on)
    return problems


def _actor(by: Membership | None):
    if by is None:
        return None, ApprovalEvent.SYSTEM
    return by.user, by.user.get_full_name() or by.user.get_username()


def _transition(
    *,
    provider: Provider,
    allowed_from: set,
    to: str,
    by: Membership | None,
    reason: str = "",
    approved_until: date | None = None,
) -> tuple[Provider, ApprovalEvent]:
    """Move the provider's status, recording who, when and why. The row is locked so two people acting at
    once cannot both move it."""
    locked = Provider.objects.select_for_update().get(pk=provider.pk)
    if locked.status not in allowed_from:
        raise DomainError(
            f"{locked} is {locked.get_status_display().lower()}, so it cannot be "
            f"{Status(to).label.lower()} now."
        )
    actor, label = _actor(by)
    event = ApprovalEvent.objects.create(
        trust_id=locked.trust_id,
        provider=locked,
        from_status=locked.status,
        to_status=to,
        actor=actor,
        actor_label=label,
        reason=reason.strip(),
        approved_until=approved_until,
    )
    locked.status = to
    fields = ["status", "updated_at"]
    if to in Provider.APPROVED_STATUSES:
        locked.approved_until = approved_until
        fields.append("approved_until")
    locked.save(update_fields=fields)
    provider.status, provider.approved_until = locked.status, locked.approved_until
    return provider, event


def provider_submit(*, provider: Provider, by: Membership, reason: str = "") -> ApprovalEvent:
    _require_approver(by, "submit a provider for approval")
    with transaction.atomic():
        provider_checklist_start(provider=provider)
        _, event = _transition(
            provider=provider, allowed_from=SUBMIT_FROM, to=Status.SUBMITTED, by=by, reason=reason
        )
    return event


def provider_approve(
    *,
    provider: Provider,
    by: Membership,
    approved_until: date | None,
    conditions: list[tuple[str, date | None]] | tuple = (),
    reason: str = "",
    on: date | None = None,
) -> ApprovalEvent:
    """Approve, to ``approved_until``; with conditions (text, due date) it is approved with conditions.
    Refused, with every unmet requirement listed, while anything required is missing."""
    _require_approver(by, "approve a provider")
    on = on or timezone.localdate()
    problems = []
    if approved_until is None:
        problems.append("Give the date the approval runs to.")
    elif approved_until <= on:
        problems.append("The approval must run to a date after today.")
    conditions = [(text.strip(), due) for text, due in conditions if (text or "").strip() or due]
    for text, due in conditions:
        if not text:
            problems.append("Every condition needs its wording.")
        if due is None or due <= on:
            problems.append(f"Condition '{text or '…'}' needs a due date after today.")
    if provider.status in DECIDE_FROM:
        problems += approval_problems(provider=provider, on=on)
    if problems:
        raise DomainError(f"{provider} cannot be approved yet.", problems=problems)
    to = Status.APPROVED_WITH_CONDITIONS if conditions else Status.APPROVED
    with transaction.atomic():
        _, event = _transition(
            provider=provider,
            allowed_from=DECIDE_FROM,
            to=to,
            by=by,
            reason=reason,
            approved_until=approved_until,
        )
        for text, due in conditions:
            ApprovalCondition.objects.create(
                trust_id=provider.trust_id, provider=provider, event=event, text=text[:500], due_date=due
            )
    return event


def _reasoned(provider, by, reason, allowed_from, to, doing) -> ApprovalEvent:
    _require_approver(by, doing)
    if not (reason or "").strip():
        raise DomainError("Give the reason; it is kept in the provider's history.", field="reason")
    with transaction.atomic():
        _, event = _transition(provider=provider, allowed_from=allowed_from, to=to, by=by, reason=reason)
    return event


def provider_reject(*, provider: Provider, by: Membership, reason: str) -> ApprovalEvent:
    return _reasoned(provider, by, reason, DECIDE_FROM, Status.REJECTED, "reject a provider")


def provider_suspend(*, provider: Provider, by: Membership, reason: str) -> ApprovalEvent:
    return _reasoned(provider, by, reason, SUSPEND_FROM, Status.SUSPENDED, "suspend a provider")


def providers_lapse(*, reasons: dict[int, str]) -> list[tuple[Provider, ApprovalEvent]]:
    """``provider_lapse`` for many providers at once (the expiry job), ``reasons`` by provider id: the rows
    locked in one query, the events written in one statement and the providers (with their history rows) in
    another. A provider moved on by someone else since the caller read it (no longer approved) is left out."""
    with transaction.atomic():
        locked = list(
            Provider.objects.select_for_update()
            .filter(pk__in=list(reasons), status__in=LAPSE_FROM)
            .order_by("pk")
        )
        if not locked:
            return []
        now = timezone.now()
        actor, label = _actor(None)
        events = ApprovalEvent.objects.bulk_create(
            [
                ApprovalEvent(
                    trust_id=p.trust_id,
                    provider=p,
                    from_status=p.status,
                    to_status=Status.LAPSED,
                    actor=actor,
                    actor_label=label,
                    reason=reasons[p.pk].strip(),
                    at=now,
                )
                for p in locked
            ]
        )
        for p in locked:
            p.status, p.updated_at = Status.LAPSED, now
        bulk_update_with_history(locked, Provider, ["status", "updated_at"], default_date=now)
    return list(zip(locked, events, strict=True))


def provider_lapse(*, provider: Provider, reason: str) -> ApprovalEvent:
    """The system ends an approval whose critical evidence or approval date has run out."""
    with transaction.atomic():
        _, event = _transition(
            provider=provider, allowed_from=LAPSE_FROM, to=Status.LAPSED, by=None, reason=reason
        )
    return event


def approval_condition_meet(*, condition: ApprovalCondition, by: Membership) -> ApprovalCondition:
    _require_approver(by, "mark a condition as met")
    if condition.met_at is not None:
        raise DomainError("This condition is already marked as met.")
    condition.met_at = timezone.now()
    condition.met_by = by.user
    condition.save(update_fields=["met_at", "met_by"])
    return condition
