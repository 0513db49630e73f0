"""The referral form as the school fills it: Part A (who the pupil is, the safeguarding picture, attendance
for this and the two previous years, what the school tried) before the placement is proposed and within a
week of the referral; Part B (attainment, the behaviour picture and risk indicators, the impact of what was
tried) by the first review. Each part is chased once when overdue (``placements.cadence``)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from placements.attendance_source import placement_attendance
from placements.common import require_school_side_of
from placements.models import ReferralForm
from trusts.errors import DomainError

# Part A is completed within a week of the referral (the placement's creation).
PART_A_DAYS = 7

PART_A_REQUIRED = {
    "ethnicity": 'Give the pupil\'s ethnic group (or "Prefer not to say").',
    "disability": 'Say whether the pupil has a disability (or "Prefer not to say").',
    "safeguarding_category": 'Give the child protection or child in need category (or "None").',
    "interventions_tried": "Say what the school tried before the referral.",
}
PART_B_REQUIRED = {
    "current_attainment": "Give the pupil's current attainment.",
    "target_attainment": "Give the target attainment.",
    "behaviour_summary": "Describe the behaviour picture.",
    "intervention_impact": "Say what impact the school's interventions had.",
}


def referral_form_of(placement) -> ReferralForm:
    form = ReferralForm.objects.filter(placement=placement).first()
    return form or ReferralForm(trust_id=placement.trust_id, placement=placement)


def part_a_due(placement):
    return timezone.localtime(placement.created_at).date() + timedelta(days=PART_A_DAYS)


def part_b_due(placement):
    """By the first review: the earliest half-termly review scheduled (None before agreement)."""
    first = (
        placement.reviews.filter(kind="scheduled")
        .order_by("scheduled_for")
        .values_list("scheduled_for", flat=True)
    )
    return first.first()


def referral_form_save(*, by, placement, part: str, **fields) -> ReferralForm:
    """Save one part of the form; it counts as complete once every required answer of the part is given."""
    require_school_side_of(by, placement, "referral_form.edit")
    allowed = ReferralForm.PART_A_FIELDS if part == "a" else ReferralForm.PART_B_FIELDS
    required = PART_A_REQUIRED if part == "a" else PART_B_REQUIRED
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown referral form fields: {sorted(unknown)}")
    problems = [message for name, message in required.items() if not str(fields.get(name) or "").strip()]
    for name in ("attendance_last_year", "attendance_two_years_ago"):
        value = fields.get(name)
        if value is not None and not (Decimal(0) <= Decimal(value) <= Decimal(100)):
            problems.append("Attendance is a percentage from 0 to 100.")
    codes = {code for code, _ in ReferralForm.RISK_INDICATORS}
    if part == "b" and not set(fields.get("risk_indicators") or []) <= codes:
        problems.append("Choose risk indicators from the list.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    with transaction.atomic():
        form = ReferralForm.objects.select_for_update().filter(placement=placement).first()
        form = form or ReferralForm(trust_id=placement.trust_id, placement=placement)
        for name, value in fields.items():
            setattr(form, name, value)
        setattr(
            form, f"part_{part}_completed_at", getattr(form, f"part_{part}_completed_at") or timezone.now()
        )
        form.updated_by = by.user
        form.save()
    return form


def attendance_this_year(placement):
    """This year's attendance at the placement so far, from the registers (None where there are none)."""
    today = timezone.localdate()
    counted = placement_attendance(placement, start=placement.start_date, end=today)
    return counted.percent if counted else None
