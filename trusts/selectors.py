"""Queries of the trusts app."""

from trusts import rls
from trusts.models import Membership, TrustPolicy


def memberships_of(user):
    """Every active membership of a person, across trusts, as a list.

    One of the few deliberate cross-trust reads (see README, "Tenant isolation"): a person must be able to
    see which trusts they belong to before any trust is chosen.
    """
    if not user.is_authenticated:
        return []
    # Read at once, on the database's named cross-trust route (trusts.rls): in a request already working in
    # one trust, the person's memberships of the others must still be found (to switch to them).
    with rls.bypass():
        return list(
            Membership.objects.with_scopes_disabled()
            .active()
            .filter(user=user, trust__isnull=False)
            .select_related("trust", "school", "provider")
            .order_by("trust__name", "role", "school__name")
        )


def trust_policy(trust_id) -> TrustPolicy:
    """The trust's policy; a trust without a saved one uses the defaults (an unsaved row carries them)."""
    policy = TrustPolicy.objects.filter(trust_id=trust_id).first()
    return policy or TrustPolicy(trust_id=trust_id)
