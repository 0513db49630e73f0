"""The conditions recorded before agreement: parental consent, the local authority's agreement, the
personalised plan, the risk assessment and the date the local authority was told."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from placements.common import lock_placement, require_school_side_of
from placements.models import Consent, LAAgreement, Placement, Plan, Target
from trusts.errors import DomainError


def consent_record(*, by, placement, carer, decision, method, recorded_at=None, note="") -> Consent:
    require_school_side_of(by, placement, "placement.edit")
    problems = []
    if carer.pupil_id != placement.pupil_id:
        raise DomainError("That person is not recorded as a parent or carer of this pupil.", field="carer")
    if not carer.has_parental_responsibility:
        raise DomainError(
            f"{carer.name} does not have parental responsibility, so cannot give or refuse consent. Record the "
            "decision of a parent or carer who does.",
            field="carer",
        )
    recorded_at = recorded_at or timezone.now()
    if recorded_at > timezone.now() + timedelta(minutes=5):
        problems.append("The consent cannot be recorded in the future.")
    if decision == Consent.Decision.REFUSED and not note.strip():
        problems.append("Note what the parent or carer said when refusing: the refusal is documented.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    return Consent.objects.create(
        trust_id=placement.trust_id,
        placement=placement,
        carer=carer,
        decision=decision,
        method=method,
        recorded_at=recorded_at,
        recorded_by=by.user,
        note=note,
    )


def la_agreement_record(
    *, by, placement, local_authority, officer_name, agreed_on, officer_role="", note=""
) -> LAAgreement:
    require_school_side_of(by, placement, "placement.edit")
    if agreed_on > timezone.localdate():
        raise DomainError("The agreement date is in the future.", field="agreed_on")
    return LAAgreement.objects.create(
        trust_id=placement.trust_id,
        placement=placement,
        local_authority=local_authority,
        officer_name=officer_name,
        officer_role=officer_role,
        agreed_on=agreed_on,
        note=note,
        recorded_by=by.user,
    )


def plan_save(*, by, placement, targets: list[dict], **fields) -> Plan:
    """Create or update the plan and its targets. ``targets``: dicts of target fields, with ``id`` for an
    existing target and ``delete=True`` to remove one."""
    require_school_side_of(by, placement, "placement.edit")
    problems = []
    if not fields.get("reintegration_aim", "").strip():
        problems.append("State the reintegration aim: how and when the pupil returns to full-time school.")
    kept = [t for t in targets if not t.get("delete")]
    if not kept:
        problems.append("Add at least one target.")
    for n, t in enumerate(kept, start=1):
        missing = [
            label
            for key, label in (
                ("objective", "objective"),
                ("baseline", "baseline"),
                ("measure", "measure"),
                ("target_date", "target date"),
            )
            if not t.get(key)
        ]
        if missing:
            problems.append(f"Target {n}: give its {', '.join(missing)}.")
        elif t["target_date"] <= placement.start_date:
            problems.append(f"Target {n}: the target date must come after the placement starts.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    with transaction.atomic():
        plan, _ = Plan.objects.get_or_create(
            placement=placement,
            defaults={"trust_id": placement.trust_id, "reintegration_aim": fields["reintegration_aim"]},
        )
        for name, value in fields.items():
            setattr(plan, name, value)
        plan.save()
        existing = {t.pk: t for t in plan.targets.all()}
        for order, t in enumerate(targets):
            data = {k: v for k, v in t.items() if k not in ("id", "delete")}
            target = existing.get(t.get("id")) if t.get("id") else None
            if t.get("delete"):
                if target is not None:
                    target.delete()
                continue
            if target is None:
                target = Target(trust_id=placement.trust_id, plan=plan)
            for name, value in data.items():
                setattr(target, name, value)
            target.order = order
            target.save()
    return plan


def checks_record(
    *, by, placement, la_informed_on=None, risk_assessment_recorded_on=None, risk_assessment_summary=""
) -> Placement:
    require_school_side_of(by, placement, "placement.edit")
    today = timezone.localdate()
    problems = []
    if la_informed_on and la_informed_on > today:
        problems.append("The date the local authority was informed is in the future.")
    if risk_assessment_recorded_on and risk_assessment_recorded_on > today:
        problems.append("The risk assessment date is in the future.")
    if risk_assessment_recorded_on and not risk_assessment_summary.strip():
        problems.append("Summarise the risk assessment: the main risks and how they are managed.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    with transaction.atomic():
        placement = lock_placement(placement)
        placement.la_informed_on = la_informed_on
        placement.risk_assessment_recorded_on = risk_assessment_recorded_on
        placement.risk_assessment_summary = risk_assessment_summary
        placement.save(
            update_fields=[
                "la_informed_on",
                "risk_assessment_recorded_on",
                "risk_assessment_summary",
                "updated_at",
            ]
        )
    return placement
