"""A placement from draft to running: creating and editing it, its timetable, and the steps propose, agree
and activate (agreement waits on every gate of ``placements.gates``)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from placements.agreements.referral import referral_proposed_alert
from placements.agreements.sla import latest_sla, sla_is_current, sla_mark_if_outdated
from placements.cadence import next_scheduled_review, reviews_schedule_at_agreement
from placements.common import full_clean, lock_placement, require_school_side_of
from placements.gates import placement_gates, unmet_blocking
from placements.models import Placement, ReferralForm, TimetableSession
from trusts.errors import DomainError
from trusts.permissions import has_perm, require


def year_group_problem(pupil, provider, reason: str) -> str | None:
    """A provider that does not take the pupil's year group needs a reason on record."""
    if provider.takes_year_group(pupil.year_group) or (reason or "").strip():
        return None
    return (
        f"{provider} takes {provider.year_groups_label}, and {pupil.display_name} is in "
        f"{pupil.get_year_group_display()}: choose another provider or record why this one is right."
    )


def _date_problems(start_date, planned_end_date, part_time_review_date=None) -> list[str]:
    problems = []
    if start_date and planned_end_date and planned_end_date <= start_date:
        problems.append("The planned end date must come after the start date.")
    if start_date and part_time_review_date and part_time_review_date <= start_date:
        problems.append("The part-time review date must come after the start date.")
    return problems


def placement_create(*, by, pupil, provider, **fields) -> Placement:
    """A draft placement of ``pupil`` at ``provider``; the timetable and the rest follow step by step."""
    problems = []
    require(by, "placement.edit", "Your role does not allow you to create a placement.")
    if by.school_id is not None and by.school_id != pupil.school_id:
        problems.append("This pupil belongs to another school.")
    if provider.trust_id != pupil.trust_id:
        problems.append("That provider is not on the trust's register.")
    unknown = set(fields) - set(Placement.EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown placement fields: {sorted(unknown)}")
    problems += _date_problems(
        fields.get("start_date"), fields.get("planned_end_date"), fields.get("part_time_review_date")
    )
    age = year_group_problem(pupil, provider, fields.get("outside_age_range_reason", ""))
    if age:
        problems.append(age)
    if problems:
        raise DomainError(problems[0], problems=problems)
    placement = Placement(
        trust_id=pupil.trust_id,
        pupil=pupil,
        school=pupil.school,
        provider=provider,
        created_by=by.user,
        **fields,
    )
    full_clean(placement, exclude=["created_by"], validate_constraints=False)
    with transaction.atomic():
        placement.save()
    return placement


def placement_update(*, by, placement, **fields) -> Placement:
    require_school_side_of(by, placement, "placement.edit")
    unknown = set(fields) - set(Placement.EDITABLE_FIELDS) - {"provider"}
    if unknown:
        raise TypeError(f"Unknown placement fields: {sorted(unknown)}")
    with transaction.atomic():
        placement = lock_placement(placement)
        if placement.status == Placement.Status.ENDED:
            raise DomainError("This placement has ended and can no longer be changed.")
        if "provider" in fields and fields["provider"].pk != placement.provider_id and not placement.is_open:
            raise DomainError(
                "The provider of an agreed placement cannot change: end it and start a new one."
            )
        provider_changed = "provider" in fields and fields["provider"].pk != placement.provider_id
        for name, value in fields.items():
            setattr(placement, name, value)
        problems = _date_problems(
            placement.start_date, placement.planned_end_date, placement.part_time_review_date
        )
        age = year_group_problem(placement.pupil, placement.provider, placement.outside_age_range_reason)
        if age:
            problems.append(age)
        if problems:
            raise DomainError(problems[0], problems=problems)
        if provider_changed:
            # A referral is answered by the provider it was made to: another provider answers afresh.
            placement.provider_response = Placement.ProviderResponse.AWAITING
            placement.provider_responded_at = placement.provider_responded_by = None
            placement.key_worker = ""
            if placement.status == Placement.Status.PROPOSED:
                placement.proposed_at = timezone.now()
        full_clean(placement, exclude=["created_by", "approved_by"], validate_constraints=False)
        placement.save()
        if provider_changed and placement.status == Placement.Status.PROPOSED:
            referral_proposed_alert(placement)
        sla_mark_if_outdated(placement, by=by)
    return placement


def timetable_set(*, by, placement, sessions: list[dict]) -> list[TimetableSession]:
    """Set the timetable to ``sessions``: dicts of weekday (0 Monday to 4 Friday), session ("am"/"pm"),
    start_time and end_time."""
    require_school_side_of(by, placement, "placement.edit")
    problems = []
    if not sessions:
        problems.append("A timetable needs at least one session.")
    seen = set()
    for s in sessions:
        day = dict(TimetableSession.WEEKDAYS).get(s["weekday"], "?")
        label = f"{day} {'morning' if s['session'] == 'am' else 'afternoon'}"
        if s["weekday"] not in range(5):
            problems.append("Sessions fall on weekdays, Monday to Friday.")
        if (s["weekday"], s["session"]) in seen:
            problems.append(f"{label} appears twice.")
        seen.add((s["weekday"], s["session"]))
        if s["end_time"] <= s["start_time"]:
            problems.append(f"{label}: the session must end after it starts.")
    for day in range(5):
        am = next((s for s in sessions if s["weekday"] == day and s["session"] == "am"), None)
        pm = next((s for s in sessions if s["weekday"] == day and s["session"] == "pm"), None)
        if am and pm and pm["start_time"] < am["end_time"]:
            problems.append(
                f"{dict(TimetableSession.WEEKDAYS)[day]}: the afternoon starts before the morning ends."
            )
    if problems:
        raise DomainError(problems[0], problems=problems)
    with transaction.atomic():
        placement = lock_placement(placement)
        if placement.status == Placement.Status.ENDED:
            raise DomainError("This placement has ended and can no longer be changed.")
        # Sessions are updated in place: an unchanged session keeps its row (and anything that refers to it),
        # a changed one is updated, a dropped one deleted. Attendance refreshes once for the whole edit.
        existing = {(s.weekday, s.session): s for s in placement.sessions.all()}
        rows = []
        for s in sorted(sessions, key=lambda s: (s["weekday"], s["session"])):
            row = existing.pop((s["weekday"], s["session"]), None)
            if row is None:
                row = TimetableSession(
                    trust_id=placement.trust_id,
                    placement=placement,
                    weekday=s["weekday"],
                    session=s["session"],
                )
            elif (row.start_time, row.end_time) == (s["start_time"], s["end_time"]):
                rows.append(row)
                continue
            row.start_time, row.end_time = s["start_time"], s["end_time"]
            row.save()
            rows.append(row)
        for row in existing.values():
            row.delete()
        Placement.objects.filter(pk=placement.pk).update(updated_at=timezone.now())
        sla_mark_if_outdated(placement, by=by)
    return rows


def placement_propose(*, by, placement) -> Placement:
    """Draft to proposed: the placement is shared with the provider. Needs dates and a timetable."""
    require_school_side_of(by, placement, "placement.edit")
    with transaction.atomic():
        placement = lock_placement(placement)
        if placement.status != Placement.Status.DRAFT:
            raise DomainError(
                f"Only a draft can be proposed; this placement is {placement.get_status_display().lower()}."
            )
        gates = {g.code: g for g in placement_gates(placement)}
        if not gates["timetable"].met:
            raise DomainError(gates["timetable"].message)
        form = ReferralForm.objects.filter(placement=placement).first()
        if form is None or form.part_a_completed_at is None:
            raise DomainError(
                "Complete Part A of the referral form first: the provider reads it before answering."
            )
        placement.status = Placement.Status.PROPOSED
        placement.proposed_at = timezone.now()
        # Proposed again after a decline: the provider answers the referral afresh.
        placement.provider_response = Placement.ProviderResponse.AWAITING
        placement.provider_responded_at = placement.provider_responded_by = None
        placement.save(
            update_fields=[
                "status",
                "proposed_at",
                "provider_response",
                "provider_responded_at",
                "provider_responded_by",
                "updated_at",
            ]
        )
        referral_proposed_alert(placement)
    return placement


def placement_agree(*, by, placement) -> Placement:
    """The headteacher agrees the placement. Refused, with every unmet condition listed, unless all the
    gates of ``placement_gates`` are met."""
    if not has_perm(by, "placement.agree") or by.school_id != placement.school_id:
        raise DomainError(f"Only the headteacher of {placement.school.name} can agree this placement.")
    with transaction.atomic():
        placement = lock_placement(placement)
        if placement.status != Placement.Status.PROPOSED:
            raise DomainError(
                f"Only a proposed placement can be agreed; this one is {placement.get_status_display().lower()}."
            )
        unmet = unmet_blocking(placement_gates(placement))
        if unmet:
            raise DomainError(
                "The placement cannot be agreed yet.", problems=[f"{g.label}: {g.message}" for g in unmet]
            )
        placement.status = Placement.Status.AGREED
        placement.approved_by = by.user
        placement.approved_at = timezone.now()
        placement.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
        reviews_schedule_at_agreement(placement)
    return placement


def placement_activate(*, by, placement, today=None) -> Placement:
    """Agreed to active, on or after the start date; schedules the first review."""
    require_school_side_of(by, placement, "placement.edit")
    today = today or timezone.localdate()
    with transaction.atomic():
        placement = lock_placement(placement)
        problems = []
        if placement.status != Placement.Status.AGREED:
            raise DomainError(
                f"Only an agreed placement can start; this one is {placement.get_status_display().lower()}."
            )
        if today < placement.start_date:
            problems.append(
                f"The placement starts on {placement.start_date:%d %B %Y}: it cannot be active before then."
            )
        latest = latest_sla(placement)
        if not (sla_is_current(latest, placement) and latest.fully_signed):
            problems.append(
                "The placement changed after the SLA was signed: both sides must sign the new version first."
            )
        if problems:
            raise DomainError(problems[0], problems=problems)
        placement.status = Placement.Status.ACTIVE
        placement.activated_at = timezone.now()
        placement.save(update_fields=["status", "activated_at", "updated_at"])
        if not placement.reviews.filter(held_on__isnull=True).exists():
            next_scheduled_review(placement)
    return placement
