"""Writes and workflow transitions of the providers app. Every change to a provider's vetting goes through
here, so the rules (who may act, what must be in place) are checked in one place."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from providers import vetting_data
from providers.models import (
    EVIDENCE_TYPES_BY_CODE,
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
from providers.selectors import (
    checklist_rows,
    critical_evidence_codes,
    current_checklist,
    replaced_by_newer_copy,
    school_ids_with_pupils_at,
)
from providers.uploads import UploadRefused, inspect_evidence_file
from trusts.errors import DomainError, validation_problems
from trusts.models import Membership
from trusts.roles import Role
from trusts.selectors import trust_policy
from trusts.services import notify

log = logging.getLogger(__name__)

STAFF_PERMISSION = "providers.view_provider_as_staff"
Status = Provider.Status

SUBMIT_FROM = {Status.DRAFT, Status.REJECTED, Status.SUSPENDED, Status.LAPSED}
DECIDE_FROM = {Status.SUBMITTED}
SUSPEND_FROM = set(Provider.APPROVED_STATUSES)
LAPSE_FROM = set(Provider.APPROVED_STATUSES)


def money(amount) -> str:
    amount = Decimal(amount)
    return f"£{amount:,.2f}" if amount % 1 else f"£{amount:,.0f}"


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _require_trust_admin(by: Membership, doing: str) -> None:
    if by is None or by.role != Role.TRUST_ADMIN:
        raise DomainError(f"Only a trust admin can {doing}.")


# --- Provider register ----------------------------------------------------------------------------------

PROVIDER_EDITABLE_FIELDS = [
    f.name
    for f in Provider._meta.get_fields()
    if getattr(f, "editable", False)
    and f.concrete
    and f.name not in {"id", "trust", "status", "approved_until", "created_at", "updated_at"}
]


def provider_create(*, trust, by: Membership, data: dict) -> Provider:
    _require_trust_admin(by, "add a provider to the register")
    provider = Provider(trust=trust, **{k: v for k, v in data.items() if k in PROVIDER_EDITABLE_FIELDS})
    try:
        provider.full_clean()
    except ValidationError as error:
        raise DomainError(
            "The provider could not be saved.", problems=validation_problems(error, name_fields=True)
        ) from None
    provider.save()
    return provider


def provider_update(*, provider: Provider, by: Membership, data: dict) -> Provider:
    _require_trust_admin(by, "change a provider's details")
    for key, value in data.items():
        if key in PROVIDER_EDITABLE_FIELDS:
            setattr(provider, key, value)
    try:
        provider.full_clean()
    except ValidationError as error:
        raise DomainError(
            "The provider could not be saved.", problems=validation_problems(error, name_fields=True)
        ) from None
    provider.save()
    return provider


# --- Provider staff -------------------------------------------------------------------------------------


def provider_staff_add(*, provider: Provider, user, by: Membership | None = None, job_title="") -> Membership:
    """Give ``user`` access to ``provider`` as its staff: a provider-staff membership of the provider's trust
    and the object permission on that provider. ``by`` is None only when seeding."""
    if by is not None:
        _require_trust_admin(by, "give provider staff access")
    with transaction.atomic():
        membership = Membership.objects.filter(
            user=user, trust_id=provider.trust_id, role=Role.PROVIDER_STAFF
        ).first()
        if membership is None:
            membership = Membership.objects.create(
                user=user,
                trust_id=provider.trust_id,
                role=Role.PROVIDER_STAFF,
                provider=provider,
                job_title=job_title,
            )
        elif membership.provider_id != provider.pk:
            raise DomainError("That person already works for another provider in this trust.")
        provider_staff_grant(membership=membership)
    return membership


def provider_staff_grant(*, membership: Membership) -> None:
    """The object permission that goes with a provider-staff membership (safe to repeat)."""
    if membership.role != Role.PROVIDER_STAFF or membership.provider_id is None:
        raise DomainError("Only provider staff are given access to a provider.")
    assign_perm(STAFF_PERMISSION, membership.user, membership.provider)


def provider_staff_remove(*, membership: Membership, by: Membership) -> None:
    _require_trust_admin(by, "remove provider staff access")
    with transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(is_active=False)
        remove_perm(STAFF_PERMISSION, membership.user, membership.provider)


def is_provider_staff_of(membership: Membership, provider: Provider) -> bool:
    """Provider staff reach their provider only with both the membership and the object permission."""
    return (
        membership.role == Role.PROVIDER_STAFF
        and membership.provider_id == provider.pk
        and membership.user.has_perm(STAFF_PERMISSION, provider)
    )


# --- Evidence -------------------------------------------------------------------------------------------


def evidence_problems(*, evidence_type, issue_date, expiry_date, insured_amount) -> dict[str, str]:
    """Field problems with an evidence record's details, by field name."""
    problems = {}
    info = EVIDENCE_TYPES_BY_CODE.get(evidence_type)
    if info is None:
        problems["evidence_type"] = "Choose the kind of document."
        return problems
    if issue_date and issue_date > timezone.localdate():
        problems["issue_date"] = "The issue date cannot be in the future: give the date on the document."
    if issue_date and expiry_date and expiry_date <= issue_date:
        problems["expiry_date"] = "The expiry date must be after the issue date."
    if info["has_expiry"] and not expiry_date:
        problems["expiry_date"] = (
            "This kind of document runs out: give its expiry date (for a policy, the date it is due for review)."
        )
    if info["insurance_kind"] and insured_amount is None:
        problems["insured_amount"] = "Give the amount insured, in pounds."
    if insured_amount is not None and insured_amount < 0:
        problems["insured_amount"] = "The amount insured cannot be negative."
    return problems


def evidence_upload(
    *,
    provider: Provider,
    by: Membership,
    evidence_type: str,
    file,
    issue_date: date,
    expiry_date: date | None = None,
    insured_amount: Decimal | None = None,
    title: str = "",
) -> Evidence:
    """Store a document for a provider. A trust admin's upload counts as verified at once; a provider's
    own upload waits until a trust admin has checked it."""
    is_admin = by.role == Role.TRUST_ADMIN
    if not is_admin and not is_provider_staff_of(by, provider):
        raise DomainError("You cannot add evidence for this provider.")
    problems = evidence_problems(
        evidence_type=evidence_type,
        issue_date=issue_date,
        expiry_date=expiry_date,
        insured_amount=insured_amount,
    )
    try:
        extension, content_type = inspect_evidence_file(file)
    except UploadRefused as refused:
        problems["file"] = str(refused)
    if problems:
        first_field = next(iter(problems))
        raise DomainError("The document was not saved.", problems=list(problems.values()), field=first_field)
    if not EVIDENCE_TYPES_BY_CODE[evidence_type]["insurance_kind"]:
        insured_amount = None
    original = (getattr(file, "name", "") or "document").replace("\\", "/").rsplit("/", 1)[-1][:150]
    now = timezone.now()
    evidence = Evidence(
        trust_id=provider.trust_id,
        provider=provider,
        evidence_type=evidence_type,
        title=title,
        issue_date=issue_date,
        expiry_date=expiry_date,
        insured_amount=insured_amount,
        original_name=original,
        content_type=content_type,
        size=file.size,
        uploaded_by=by.user,
        status=Evidence.Status.VERIFIED if is_admin else Evidence.Status.PENDING,
        verified_by=by.user if is_admin else None,
        verified_at=now if is_admin else None,
    )
    with transaction.atomic():
        file.seek(0)
        evidence.file.save(f"upload{extension}", file, save=False)
        try:
            evidence.save()
        except Exception:
            evidence.file.delete(save=False)
            raise
        if not is_admin:
            url = reverse("providers:provider_detail", kwargs={"provider_pk": provider.pk})
            for admin in _trust_admin_users():
                notify(
                    trust=provider.trust,
                    recipient=admin,
                    key=f"evidence-uploaded:{evidence.pk}",
                    kind="evidence_uploaded",
                    subject=f"{provider}: new evidence to verify",
                    body=f"{provider} uploaded '{evidence.type_label}'. Check it and verify it or turn it down.",
                    url=f"{url}#evidence",
                )
    return evidence


def evidence_verify(*, evidence: Evidence, by: Membership) -> Evidence:
    _require_trust_admin(by, "verify evidence")
    if evidence.status == Evidence.Status.VERIFIED:
        raise DomainError("This document is already verified.")
    evidence.status = Evidence.Status.VERIFIED
    evidence.status_reason = ""
    evidence.verified_by = by.user
    evidence.verified_at = timezone.now()
    evidence.save(update_fields=["status", "status_reason", "verified_by", "verified_at"])
    return evidence


def evidence_reject(*, evidence: Evidence, by: Membership, reason: str) -> Evidence:
    _require_trust_admin(by, "turn down evidence")
    if not reason.strip():
        raise DomainError("Say why the document is not accepted.", field="reason")
    evidence.status = Evidence.Status.REJECTED
    evidence.status_reason = reason.strip()[:500]
    evidence.verified_by = by.user
    evidence.verified_at = timezone.now()
    evidence.save(update_fields=["status", "status_reason", "verified_by", "verified_at"])
    return evidence


# --- Checklist templates --------------------------------------------------------------------------------


def _copy_items(trust, template, sections_data):
    for s_order, section_data in enumerate(sections_data, start=1):
        section = ChecklistSection.objects.create(
            trust=trust,
            template=template,
            code=section_data["code"],
            title=section_data["title"],
            order=s_order,
        )
        for i_order, item in enumerate(section_data["items"], start=1):
            ChecklistItem.objects.create(
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


def checklist_template_current(*, trust) -> ChecklistTemplate:
    """The trust's current checklist template; the first use seeds version 1 from the default checklist."""
    template = ChecklistTemplate.objects.filter(trust=trust, is_current=True).first()
    if template is not None:
        return template
    with transaction.atomic():
        template, created = ChecklistTemplate.objects.get_or_create(
            trust=trust,
            version=1,
            defaults={"name": vetting_data.VETTING_CHECKLIST["name"], "is_current": True},
        )
        if created:
            _copy_items(trust, template, vetting_data.VETTING_CHECKLIST["sections"])
    return template


def _template_as_data(template) -> list[dict]:
    sections = []
    for section in template.sections.order_by("order").prefetch_related("items"):
        sections.append(
            {
                "code": section.code,
                "title": section.title,
                "items": [
                    {
                        "code": i.code,
                        "text": i.text,
                        "guidance": i.guidance,
                        "applies_to": i.applies_to,
                        "evidence_types": i.evidence_types,
                        "required": i.required,
                    }
                    for i in sorted(section.items.all(), key=lambda i: i.order)
                ],
            }
        )
    return sections


def checklist_template_adapt(
    *,
    trust,
    by: Membership,
    note: str,
    changes: dict[str, dict] | None = None,
    remove: list[str] | tuple = (),
    add: list[dict] | tuple = (),
) -> ChecklistTemplate:
    """A new version of the trust's checklist: ``changes`` edits items by code (text, guidance, required,
    applies_to, evidence_types), ``remove`` drops items, ``add`` appends items (each with a ``section``
    code). Checklists already started keep the version they were answered on."""
    _require_trust_admin(by, "change the vetting checklist")
    changes = changes or {}
    current = checklist_template_current(trust=trust)
    sections = _template_as_data(current)
    known = {item["code"] for s in sections for item in s["items"]}
    problems = [f"There is no checklist item '{code}'." for code in [*changes, *remove] if code not in known]
    allowed = {"text", "guidance", "required", "applies_to", "evidence_types"}
    for change in changes.values():
        problems += [f"'{key}' of an item cannot be changed." for key in change if key not in allowed]
        if change.get("applies_to", "all") not in vetting_data.CHECKLIST_APPLIES_TO:
            problems.append(f"'{change['applies_to']}' is not a kind of provider the checklist knows.")
    section_codes = {s["code"] for s in sections}
    for item in add:
        if item.get("section") not in section_codes:
            problems.append(f"There is no checklist section '{item.get('section')}'.")
        if not item.get("code") or item["code"] in known:
            problems.append(f"A new item needs a new code ('{item.get('code')}' is taken or empty).")
        if not (item.get("text") or "").strip():
            problems.append("A new item needs its question.")
    if not note.strip():
        problems.append("Say what changed in this version.")
    if problems:
        raise DomainError("The checklist was not changed.", problems=problems)
    for section in sections:
        section["items"] = [
            {**item, **changes.get(item["code"], {})}
            for item in section["items"]
            if item["code"] not in remove
        ]
        section["items"] += [
            {k: v for k, v in item.items() if k != "section"}
            for item in add
            if item["section"] == section["code"]
        ]
    with transaction.atomic():
        locked = ChecklistTemplate.objects.select_for_update().get(pk=current.pk)
        if not locked.is_current:
            raise DomainError("Someone changed the checklist at the same time. Reload and try again.")
        ChecklistTemplate.objects.filter(pk=locked.pk).update(is_current=False)
        template = ChecklistTemplate.objects.create(
            trust=trust,
            name=locked.name,
            version=locked.version + 1,
            is_current=True,
            based_on=locked,
            note=note.strip(),
            created_by=by.user,
        )
        _copy_items(trust, template, sections)
    return template


# --- Provider checklists --------------------------------------------------------------------------------


def provider_checklist_start(*, provider: Provider) -> ProviderChecklist:
    """The provider's checklist, started on the trust's current template if it has none yet."""
    existing = current_checklist(provider)
    if existing is not None:
        return existing
    template = checklist_template_current(trust=provider.trust)
    checklist, _ = ProviderChecklist.objects.get_or_create(
        trust_id=provider.trust_id, provider=provider, template=template
    )
    return checklist


def checklist_answers_save(*, checklist: ProviderChecklist, by: Membership, answers: dict) -> int:
    """Save answers: ``answers`` maps item id to {"answer", "comment", "evidence": [evidence ids]}. Items that
    do not apply to this provider, or evidence of another provider, are refused. Returns how many changed."""
    _require_trust_admin(by, "answer the vetting checklist")
    provider = checklist.provider
    items = {item.pk: item for item, _ in checklist_rows(checklist)}
    evidence_ids = set(Evidence.objects.filter(provider=provider).values_list("pk", flat=True))
    problems = []
    for item_id, data in answers.items():
        item = items.get(item_id)
        if item is None:
            problems.append("An answer was given to a question that is not on this provider's checklist.")
            continue
        if data.get("answer", "") not in ("", *ChecklistAnswer.Answer.values):
            problems.append(f"'{item.text[:60]}…': choose yes, no or not applicable.")
        if data.get("answer") == ChecklistAnswer.Answer.NO and not (data.get("comment") or "").strip():
            problems.append(f"'{item.text[:60]}…': say why the answer is no.")
        if set(data.get("evidence", [])) - evidence_ids:
            problems.append(f"'{item.text[:60]}…': link only this provider's evidence.")
    if problems:
        raise DomainError("The checklist was not saved.", problems=problems)
    changed = 0
    now = timezone.now()
    with transaction.atomic():
        existing = {a.item_id: a for a in ChecklistAnswer.objects.filter(checklist=checklist)}
        for item_id, data in answers.items():
            answer = existing.get(item_id) or ChecklistAnswer(
                trust_id=checklist.trust_id, checklist=checklist, item_id=item_id
            )
            new_answer = data.get("answer", "")
            new_comment = (data.get("comment") or "").strip()
            new_evidence = set(data.get("evidence", []))
            old_evidence = set(answer.evidence.values_list("pk", flat=True)) if answer.pk else set()
            if (
                answer.pk
                and answer.answer == new_answer
                and answer.comment == new_comment
                and old_evidence == new_evidence
            ):
                continue
            answer.answer = new_answer
            answer.comment = new_comment
            answer.answered_by = by.user
            answer.answered_at = now
            answer.save()
            answer.evidence.set(new_evidence)
            changed += 1
        if changed:
            checklist.save(update_fields=["updated_at"])
    return changed


# --- Approval -------------------------------------------------------------------------------------------


def missing_critical_evidence(*, provider: Provider, on: date) -> list[str]:
    """What is missing among the documents without which the provider cannot be approved."""
    problems = []
    evidence = [e for e in Evidence.objects.filter(provider=provider) if e.status != Evidence.Status.REJECTED]
    for code in critical_evidence_codes(provider):
        label = EVIDENCE_TYPES_BY_CODE[code]["label"]
        of_type = [e for e in evidence if e.evidence_type == code]
        if any(e.status == Evidence.Status.VERIFIED and e.is_in_date_on(on) for e in of_type):
            continue
        if any(e.status == Evidence.Status.PENDING and e.is_in_date_on(on) for e in of_type):
            problems.append(f"{label}: uploaded, but the trust has not verified it yet.")
        elif of_type:
            ran_out = max((e.expiry_date for e in of_type if e.expiry_date), default=None)
            when = f" ran out on {_long_date(ran_out)}" if ran_out and ran_out < on else " is not in date"
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
    _require_trust_admin(by, "submit a provider for approval")
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
    _require_trust_admin(by, "approve a provider")
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
    _require_trust_admin(by, doing)
    if not (reason or "").strip():
        raise DomainError("Give the reason; it is kept in the provider's history.", field="reason")
    with transaction.atomic():
        _, event = _transition(provider=provider, allowed_from=allowed_from, to=to, by=by, reason=reason)
    return event


def provider_reject(*, provider: Provider, by: Membership, reason: str) -> ApprovalEvent:
    return _reasoned(provider, by, reason, DECIDE_FROM, Status.REJECTED, "reject a provider")


def provider_suspend(*, provider: Provider, by: Membership, reason: str) -> ApprovalEvent:
    return _reasoned(provider, by, reason, SUSPEND_FROM, Status.SUSPENDED, "suspend a provider")


def provider_lapse(*, provider: Provider, reason: str) -> ApprovalEvent:
    """The system ends an approval whose critical evidence or approval date has run out."""
    with transaction.atomic():
        _, event = _transition(
            provider=provider, allowed_from=LAPSE_FROM, to=Status.LAPSED, by=None, reason=reason
        )
    return event


def approval_condition_meet(*, condition: ApprovalCondition, by: Membership) -> ApprovalCondition:
    _require_trust_admin(by, "mark a condition as met")
    if condition.met_at is not None:
        raise DomainError("This condition is already marked as met.")
    condition.met_at = timezone.now()
    condition.met_by = by.user
    condition.save(update_fields=["met_at", "met_by"])
    return condition


# --- The daily expiry job -------------------------------------------------------------------------------


def _trust_admin_users():
    return [m.user for m in Membership.objects.active().filter(role=Role.TRUST_ADMIN).select_related("user")]


def _provider_staff_users(provider):
    return [
        m.user
        for m in Membership.objects.active()
        .filter(role=Role.PROVIDER_STAFF, provider=provider)
        .select_related("user")
    ]


def _school_dsl_users(school_ids):
    if not school_ids:
        return []
    return [
        m.user
        for m in Membership.objects.active()
        .filter(role=Role.DSL, school_id__in=school_ids)
        .select_related("user")
    ]


def _unique(users):
    seen, result = set(), []
    for user in users:
        if user.pk not in seen:
            seen.add(user.pk)
            result.append(user)
    return result


def evidence_expiry_run(*, trust, on: date | None = None) -> dict:
    """Warn about evidence running out soon and lapse approvals whose critical evidence (or approval date) has
    run out. Decides from the database alone and sends each notification once, so it is safe to re-run."""
    on = on or timezone.localdate()
    policy = trust_policy(trust.pk)
    horizon = on + timedelta(days=policy.evidence_expiry_warning_days)
    admins = _trust_admin_users()
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
        for user in _unique([*admins, *_provider_staff_users(provider)]):
            _, created = notify(
                trust=trust,
                recipient=user,
                key=f"evidence-expiring:{evidence.pk}:{evidence.expiry_date}",
                kind="evidence_expiring",
                subject=f"{provider}: {evidence.type_label} runs out in {days} days",
                body=(
                    f"The {evidence.type_label.lower()} of {provider} runs out on "
                    f"{_long_date(evidence.expiry_date)}. Please upload the renewed document before then: "
                    "without it, an approval that depends on it lapses."
                ),
                url=f"{url}#evidence",
            )
            warned += created

    for provider in Provider.objects.filter(status__in=Provider.APPROVED_STATUSES):
        reasons = missing_critical_evidence(provider=provider, on=on)
        if provider.approved_until is not None and provider.approved_until < on:
            reasons.insert(0, f"The approval ran to {_long_date(provider.approved_until)}.")
        if not reasons:
            continue
        with transaction.atomic():
            try:
                event = provider_lapse(provider=provider, reason="; ".join(reasons))
            except DomainError:
                continue  # moved on by someone else since the list was read
            url = reverse("providers:provider_detail", kwargs={"provider_pk": provider.pk})
            dsls = _school_dsl_users(school_ids_with_pupils_at(provider, on=on))
            body = (
                f"The approval of {provider} has lapsed, so no new placements can be agreed there until it "
                "is approved again. What ran out:\n- " + "\n- ".join(reasons)
            )
            for user in _unique([*admins, *_provider_staff_users(provider), *dsls]):
                notify(
                    trust=trust,
                    recipient=user,
                    key=f"provider-lapsed:{provider.pk}:{event.pk}",
                    kind="provider_lapsed",
                    subject=f"{provider}: approval lapsed",
                    body=body,
                    url=url,
                    urgent=True,
                )
            lapsed += 1
    return {"warned": warned, "lapsed": lapsed}


# --- Import ---------------------------------------------------------------------------------------------


def providers_import_commit(*, trust, by: Membership, rows: list[dict]) -> list[Provider]:
    """Create every provider of an import, or none: the rows are checked again (the register may have
    changed since the preview) and any bad row refuses the whole file."""
    from providers.imports import validate_rows

    _require_trust_admin(by, "import providers")
    with transaction.atomic():
        checked = validate_rows(trust=trust, rows=rows)
        problems = [f"Line {r.line}: {'; '.join(r.errors)}" for r in checked if r.errors]
        if problems:
            raise DomainError(
                "Nothing was imported: fix these rows and upload the file again.", problems=problems
            )
        return [Provider.objects.create(trust=trust, **row.values) for row in checked]
