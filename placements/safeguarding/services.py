"""Every write on a safeguarding concern: raising it (the DSLs told at once), acknowledging it, recording what
was done, closing it with its outcome, and escalating the ones nobody picked up in time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from placements.models import BehaviourIncident, Placement
from placements.safeguarding.models import ConcernAction, ProviderBrief, SafeguardingConcern
from providers.uploads import UploadRefused, inspect_evidence_file
from trusts.errors import DomainError
from trusts.permissions import require
from trusts.recipients import Directory, alert
from trusts.selectors import trust_policy

# Placements whose pupil provider staff are working with: proposed (induction visits), agreed or running.
PROVIDER_CAN_RAISE_STATUSES = (Placement.Status.PROPOSED, Placement.Status.AGREED, Placement.Status.ACTIVE)
# A clock a few minutes fast on a phone is not "in the future".
CLOCK_SLACK = timedelta(minutes=5)


def concern_url(concern) -> str:
    return reverse("placements:concern_detail", kwargs={"concern_pk": concern.pk})


def person_name(user) -> str:
    return (user.get_full_name() or user.get_username())[:200]


def _require_may_raise_for(by, placement):
    require(by, "concern.raise", "Your role does not allow you to raise a safeguarding concern here.")
    if by.provider_id is not None:
        if by.provider_id != placement.provider_id or placement.status not in PROVIDER_CAN_RAISE_STATUSES:
            raise DomainError(
                "This pupil is not placed with your provider: tell their school's DSL directly."
            )
    elif by.school_id is not None and by.school_id != placement.school_id:
        raise DomainError("This pupil belongs to another school.")


def _require_dsl_of(by, concern):
    require(by, "concern.manage", "Only a designated safeguarding lead can act on a concern.")
    if by.school_id is not None and by.school_id != concern.school_id:
        raise DomainError("This concern belongs to another school.")


def _check_fields(*, category, account, occurred_at, now) -> list[tuple[str, str]]:
    problems = []
    if category not in SafeguardingConcern.Category.values:
        problems.append(("category", "Choose one of the categories listed."))
    if not (account or "").strip():
        problems.append(("account", "Write what was seen or said, in the words used."))
    if occurred_at is None:
        problems.append(("occurred_at", "Say when it happened or was said."))
    elif occurred_at > now + CLOCK_SLACK:
        problems.append(("occurred_at", "The time is in the future."))
    return problems


def concern_raise(
    *,
    by,
    placement,
    category: str,
    account: str,
    occurred_at: datetime,
    people_present: str = "",
    immediate_action: str = "",
    attachment=None,
    from_incident: BehaviourIncident | None = None,
    now: datetime | None = None,
) -> SafeguardingConcern:
    """Record a concern about the pupil of ``placement`` and tell the pupil's DSLs at once (urgent)."""
    now = now or timezone.now()
    _require_may_raise_for(by, placement)
    problems = _check_fields(category=category, account=account, occurred_at=occurred_at, now=now)
    attachment_type = ""
    if attachment is not None:
        try:
            _, attachment_type = inspect_evidence_file(attachment)
        except UploadRefused as refused:
            problems.append(("attachment", str(refused)))
    if problems:
        field, message = problems[0]
        raise DomainError(message, field=field, problems=[m for _, m in problems])
    if from_incident is not None:
        require(
            by, "concern.manage", "Only a designated safeguarding lead can turn an incident into a concern."
        )
        if from_incident.placement_id != placement.pk:
            raise DomainError("That incident belongs to another placement.")
        if SafeguardingConcern.objects.filter(from_incident=from_incident).exists():
            raise DomainError("This incident has already been recorded as a safeguarding concern.")
    with transaction.atomic():
        concern = SafeguardingConcern(
            trust_id=placement.trust_id,
            pupil_id=placement.pupil_id,
            school_id=placement.school_id,
            placement=placement,
            provider_id=by.provider_id,
            from_incident=from_incident,
            category=category,
            account=account.strip(),
            occurred_at=occurred_at,
            people_present=people_present.strip(),
            immediate_action=immediate_action.strip(),
            raised_by=by.user,
            raised_by_name=person_name(by.user),
            raised_by_role=str(by)[:120],
            raised_at=now,
        )
        if from_incident is not None:
            # The DSL who records it has it in hand already.
            concern.status = SafeguardingConcern.Status.ACKNOWLEDGED
            concern.acknowledged_by = by.user
            concern.acknowledged_at = now
        if attachment is not None:
            concern.attachment_name = (getattr(attachment, "name", "") or "attachment")[:200]
            concern.attachment_type = attachment_type
            concern.attachment.save(attachment.name or "attachment", attachment, save=False)
        concern.save()
        pupil = placement.pupil
        alert(
            kind="safeguarding.concern_raised",
            trust=placement.trust,
            key=f"concern:{concern.pk}:raised",
            subject=f"Safeguarding concern: {pupil.initials} ({placement.school.name})",
            body=(
                f"A safeguarding concern ({concern.get_category_display().lower()}) about {pupil.initials} was "
                f"raised by {concern.raised_by_role} at {timezone.localtime(now):%H:%M on %d %b}. Open it and "
                "acknowledge it now: if nobody does within "
                f"{trust_policy(placement.trust_id).concern_escalation_minutes} minutes it goes to the head "
                "and the trust's DSLs."
            ),
            url=concern_url(concern),
            school=placement.school,
        )
    return concern


def concern_acknowledge(*, by, concern, now: datetime | None = None) -> SafeguardingConcern:
    """The DSL has the concern in hand. Two DSLs pressing at once: the first wins, the second is told who."""
    _require_dsl_of(by, concern)
    now = now or timezone.now()
    claimed = SafeguardingConcern.objects.filter(
        pk=concern.pk, acknowledged_at__isnull=True, status=SafeguardingConcern.Status.RAISED
    ).update(status=SafeguardingConcern.Status.ACKNOWLEDGED, acknowledged_by=by.user, acknowledged_at=now)
    concern.refresh_from_db()
    if not claimed:
        who = person_name(concern.acknowledged_by) if concern.acknowledged_by else "another DSL"
        when = timezone.localtime(concern.acknowledged_at) if concern.acknowledged_at else None
        raise DomainError(
            f"This concern was already acknowledged by {who}"
            + (f" at {when:%H:%M on %d %b}." if when else ".")
        )
    return concern


def _lock_open(by, concern) -> SafeguardingConcern:
    _require_dsl_of(by, concern)
    concern = SafeguardingConcern.objects.select_for_update().get(pk=concern.pk)
    if concern.is_closed:
        raise DomainError("This concern is closed.")
    return concern


def _acknowledge_locked(by, concern, now):
    # Acting on a concern is acknowledging it: it no longer escalates.
    if concern.acknowledged_at is None:
        concern.status = SafeguardingConcern.Status.ACKNOWLEDGED
        concern.acknowledged_by = by.user
        concern.acknowledged_at = now


def concern_action_record(
    *, by, concern, description: str, taken_at: datetime | None = None, now: datetime | None = None
) -> ConcernAction:
    now = now or timezone.now()
    taken_at = taken_at or now
    if not (description or "").strip():
        raise DomainError("Say what was done.", field="description")
    if taken_at > now + CLOCK_SLACK:
        raise DomainError("The time is in the future.", field="taken_at")
    with transaction.atomic():
        concern = _lock_open(by, concern)
        _acknowledge_locked(by, concern, now)
        concern.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
        return ConcernAction.objects.create(
            trust_id=concern.trust_id,
            concern=concern,
            taken_at=taken_at,
            description=description.strip(),
            taken_by=by.user,
            taken_by_name=person_name(by.user),
        )


def concern_close(
    *, by, concern, outcome: str, outcome_detail: str = "", now: datetime | None = None
) -> SafeguardingConcern:
    now = now or timezone.now()
    if outcome not in SafeguardingConcern.Outcome.values:
        raise DomainError("Choose the outcome.", field="outcome")
    with transaction.atomic():
        concern = _lock_open(by, concern)
        _acknowledge_locked(by, concern, now)
        concern.status = SafeguardingConcern.Status.CLOSED
        concern.outcome = outcome
        concern.outcome_detail = outcome_detail.strip()
        concern.closed_by = by.user
        concern.closed_at = now
        concern.save()
    return concern


def concerns_escalate(*, now: datetime | None = None, directory: Directory | None = None) -> int:
    """Tell the head and the trust's DSLs of each concern nobody acknowledged within the trust's minutes.

    Decided from the database on every run: each concern is claimed by one conditional update, so a repeated
    run, or two at once, escalates it once; a missed run catches up on the next."""
    now = now or timezone.now()
    concerns = list(
        SafeguardingConcern.objects.filter(
            status=SafeguardingConcern.Status.RAISED, acknowledged_at__isnull=True, escalated_at__isnull=True
        ).select_related("pupil", "school", "trust")
    )
    if not concerns:
        return 0
    minutes = trust_policy(concerns[0].trust_id).concern_escalation_minutes
    due = [c for c in concerns if c.raised_at <= now - timedelta(minutes=minutes)]
    directory = directory or Directory()
    escalated = 0
    for concern in due:
        with transaction.atomic():
            claimed = SafeguardingConcern.objects.filter(
                pk=concern.pk, acknowledged_at__isnull=True, escalated_at__isnull=True
            ).update(escalated_at=now)
            if not claimed:
                continue
            alert(
                kind="safeguarding.concern_escalated",
                trust=concern.trust,
                key=f"concern:{concern.pk}:escalated",
                subject=f"Safeguarding concern not acknowledged: {concern.pupil.initials} ({concern.school.name})",
                body=(
                    f"A safeguarding concern ({concern.get_category_display().lower()}) about "
                    f"{concern.pupil.initials}, raised at {timezone.localtime(concern.raised_at):%H:%M on %d %b}, "
                    f"has not been acknowledged by a DSL within {minutes} minutes. Open it and make sure "
                    "someone acts on it now."
                ),
                url=concern_url(concern),
                school=concern.school,
                directory=directory,
            )
            escalated += 1
    return escalated


# Placements whose provider's staff read the brief: only while the pupil is placed there.
BRIEF_LIVE_STATUSES = (Placement.Status.AGREED, Placement.Status.ACTIVE)


def provider_brief_share(*, by, placement, now: datetime | None = None, **fields) -> ProviderBrief:
    """Record what the school shares with the provider, and that this person confirmed it now."""
    from placements.common import require_school_side_of

    require_school_side_of(by, placement, "brief.share")
    if placement.status == Placement.Status.ENDED:
        raise DomainError("The placement has ended: nothing more is shared with the provider.")
    unknown = set(fields) - set(ProviderBrief.CONTENT_FIELDS)
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    values = {name: (fields.get(name) or "").strip() for name in ProviderBrief.CONTENT_FIELDS}
    if not any(values.values()):
        raise DomainError("Write at least what the provider must know (or 'None known' under medical needs).")
    now = now or timezone.now()
    with transaction.atomic():
        brief, _ = ProviderBrief.objects.select_for_update().get_or_create(
            placement=placement, defaults={"trust_id": placement.trust_id}
        )
        for name, value in values.items():
            setattr(brief, name, value)
        brief.shared_by = by.user
        brief.shared_by_name = person_name(by.user)
        brief.shared_at = now
        brief.save()
    return brief
