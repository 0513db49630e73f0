"""Provider staff access: a provider-staff membership of the provider's trust is the whole of it.

The membership names the provider, and every query a provider-staff member makes is narrowed to it
(``visible_to``), so no second grant is kept beside it. Removing access ends the membership (kept, with who
ended it and when, in the provider's staff history) and the person's sessions at once.
"""

from __future__ import annotations

from django.db import transaction

from providers.models import Provider
from trusts.errors import DomainError
from trusts.models import Membership
from trusts.people import membership_end
from trusts.permissions import require
from trusts.roles import Role


def provider_staff_add(
    *, provider: Provider, user, by: Membership | None = None, job_title="", may_sign_agreements=False
) -> Membership:
    """Give ``user`` access to ``provider`` as its staff: a provider-staff membership of the provider's
    trust. Giving access again to someone whose access was removed opens it again. ``by`` is None only
    when seeding."""
    if by is not None:
        require(by, "provider_staff.manage", "Only a trust admin can give provider staff access.")
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(user=user, trust_id=provider.trust_id, role=Role.PROVIDER_STAFF)
            .first()
        )
        if membership is None:
            return Membership.objects.create(
                user=user,
                trust_id=provider.trust_id,
                role=Role.PROVIDER_STAFF,
                provider=provider,
                job_title=job_title,
                may_sign_agreements=may_sign_agreements,
            )
        if membership.provider_id != provider.pk:
            raise DomainError("That person already works for another provider in this trust.")
        if not membership.is_active:
            membership.is_active = True
            membership.ended_at = None
            membership.ended_by = None
            membership.job_title = job_title or membership.job_title
            membership.may_sign_agreements = may_sign_agreements
            membership.save(
                update_fields=["is_active", "ended_at", "ended_by", "job_title", "may_sign_agreements"]
            )
    return membership


def provider_staff_signing_set(*, membership: Membership, by: Membership, may_sign: bool) -> Membership:
    """Give or take away a provider-staff member's authority to sign agreements for the provider (kept in
    the membership's history, so who could sign when stays on record)."""
    require(by, "provider_staff.manage", "Only a trust admin can change who signs for a provider.")
    if membership.role != Role.PROVIDER_STAFF:
        raise DomainError("Only provider staff sign for a provider.")
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if not locked.is_active:
            raise DomainError("This person's access has been removed.")
        locked.may_sign_agreements = bool(may_sign)
        locked.save(update_fields=["may_sign_agreements"])
    membership.may_sign_agreements = bool(may_sign)
    return membership


def provider_staff_remove(*, membership: Membership, by: Membership) -> Membership:
    """End a provider-staff member's access: the membership is kept, marked ended with who and when (and its
    history row), and the person is signed out at once."""
    require(by, "provider_staff.manage", "Only a trust admin can remove provider staff access.")
    if membership.role != Role.PROVIDER_STAFF:
        raise DomainError("Only provider staff access is removed here.")
    if not membership.is_active and membership.ended_at is not None:
        raise DomainError("This person's access has already been removed.")
    return membership_end(membership=membership, by=by)


def is_provider_staff_of(membership: Membership, provider: Provider) -> bool:
    """Whether ``membership`` is an active provider-staff membership of ``provider``."""
    return (
        membership.role == Role.PROVIDER_STAFF
        and membership.is_active
        and membership.provider_id == provider.pk
    )
