"""The provider's side of a referral: a proposed placement is accepted (with a start date and a key worker) or
declined (with a reason) by the provider's staff, and the school is told either way. A placement cannot be
agreed until its provider has accepted it (``placements.gates``)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from placements.common import lock_placement, placement_url
from placements.models import Placement
from trusts.errors import DomainError
from trusts.permissions import require
from trusts.recipients import alert


def require_provider_staff_of(by, placement, action: str, message: str):
    """``by`` holds ``action`` and works for the placement's own provider."""
    require(by, action, message)
    if by.provider_id != placement.provider_id:
        raise DomainError("This placement is at another provider.")


def _locked_awaiting_answer(placement) -> Placement:
    placement = lock_placement(placement)
    if placement.status != Placement.Status.PROPOSED:
        raise DomainError(
            f"Only a proposed placement is answered; this one is {placement.get_status_display().lower()}."
        )
    if placement.provider_response:
        who = placement.provider_responded_by
        by_whom = f" by {who.get_full_name() or who.username}" if who else ""
        when = timezone.localtime(placement.provider_responded_at)
        raise DomainError(
            f"This referral was already {placement.get_provider_response_display().lower()}{by_whom} "
            f"on {when:%d %B %Y at %H:%M}."
        )
    return placement


def referral_accept(*, by, placement, start_date, key_worker: str) -> Placement:
    """The provider accepts the referral, from ``start_date`` with ``key_worker`` as the pupil's named person.
    A start date other than the school's proposed one moves the placement's start (and so its agreement)."""
    require_provider_staff_of(
        by, placement, "referral.respond", "Only the provider's staff can answer a referral."
    )
    problems = []
    today = timezone.localdate()
    if start_date is None:
        problems.append("Give the date the pupil can start.")
    elif start_date < today:
        problems.append("The start date has passed: give a date from today on.")
    if not (key_worker or "").strip():
        problems.append("Name the pupil's key worker at the provider.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    with transaction.atomic():
        placement = _locked_awaiting_answer(placement)
        if placement.planned_end_date and start_date >= placement.planned_end_date:
            raise DomainError(
                f"The placement is planned to end on {placement.planned_end_date:%d %B %Y}: start before then.",
                field="start_date",
            )
        placement.provider_response = Placement.ProviderResponse.ACCEPTED
        placement.provider_responded_at = timezone.now()
        placement.provider_responded_by = by.user
        placement.key_worker = key_worker.strip()
        moved = placement.start_date != start_date
        placement.start_date = start_date
        placement.save(
            update_fields=[
                "provider_response",
                "provider_responded_at",
                "provider_responded_by",
                "key_worker",
                "start_date",
                "updated_at",
            ]
        )
        _tell_school(
            placement,
            subject=f"Referral accepted: {placement.pupil.initials} at {placement.provider}",
            body=(
                f"{placement.provider} accepted the referral. The pupil can start on {start_date:%A %d %B %Y}"
                f"{' (a different date from the one proposed)' if moved else ''}; the key worker is "
                f"{placement.key_worker}."
            ),
        )
    if moved:
        from placements.agreements.sla import sla_mark_if_outdated

        sla_mark_if_outdated(placement, by=by)
    return placement


def referral_decline(*, by, placement, reason: str) -> Placement:
    """The provider declines the referral with a reason; the placement goes back to the school as a draft, so
    it can be changed (another provider) and proposed again."""
    require_provider_staff_of(
        by, placement, "referral.respond", "Only the provider's staff can answer a referral."
    )
    if not (reason or "").strip():
        raise DomainError("Say why the provider cannot take this pupil.", field="reason")
    with transaction.atomic():
        placement = _locked_awaiting_answer(placement)
        placement.provider_response = Placement.ProviderResponse.DECLINED
        placement.provider_responded_at = timezone.now()
        placement.provider_responded_by = by.user
        placement.provider_decline_reason = reason.strip()
        placement.status = Placement.Status.DRAFT
        placement.save(
            update_fields=[
                "provider_response",
                "provider_responded_at",
                "provider_responded_by",
                "provider_decline_reason",
                "status",
                "updated_at",
            ]
        )
        _tell_school(
            placement,
            subject=f"Referral declined: {placement.pupil.initials} at {placement.provider}",
            body=f"{placement.provider} declined the referral: {placement.provider_decline_reason}",
        )
    return placement


def _tell_school(placement, *, subject: str, body: str) -> None:
    alert(
        kind="placements.referral_answered",
        trust=placement.trust,
        key=f"referral-answer:{placement.pk}:{placement.provider_responded_at.isoformat()}",
        subject=subject,
        body=body,
        url=placement_url(placement),
        school=placement.school,
    )


def referral_proposed_alert(placement) -> int:
    """Tell the provider's staff that a referral waits for their answer (once per proposal)."""
    return alert(
        kind="placements.proposed",
        trust=placement.trust,
        key=f"proposed:{placement.pk}:{placement.proposed_at.isoformat()}",
        subject=f"New referral from {placement.school.name}: {placement.pupil.initials}",
        body=(
            f"{placement.school.name} proposes a placement at {placement.provider} from "
            f"{placement.start_date:%A %d %B %Y}. Read the referral and accept or decline it."
        ),
        url=placement_url(placement),
        provider=placement.provider,
    )
