"""The vetting checklist: the trust's versioned template and each provider's answers to it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from providers import vetting_data
from providers.models import (
    ChecklistAnswer,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Evidence,
    Provider,
    ProviderChecklist,
)
from providers.selectors import checklist_rows, current_checklist
from trusts.errors import DomainError
from trusts.models import Membership
from trusts.permissions import require


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
    require(by, "checklist_template.edit", "Only a trust admin can change the vetting checklist.")
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
    require(by, "checklist.answer", "Only a trust admin can answer the vetting checklist.")
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
