"""The "what the provider needs to know" panel on the placement page: the full brief, the parents' numbers
and the school's DSL for the provider's staff while the placement is live; for the school, whether and when it
was shared, with a link to share it."""

from __future__ import annotations

from placements.models import Placement
from placements.safeguarding.models import ProviderBrief
from placements.safeguarding.services import BRIEF_LIVE_STATUSES
from trusts.permissions import has_perm


def placement_brief_panel(request, placement):
    membership = request.membership
    if membership.provider_id is not None:
        if placement.status not in BRIEF_LIVE_STATUSES:
            return None
        brief = ProviderBrief.objects.filter(placement=placement, shared_at__isnull=False).first()
        return {
            "template": "placements/concerns/_brief_panel.html",
            "context": {
                "placement": placement,
                "brief": brief,
                "carers": list(placement.pupil.carers.all()),
                "for_provider": True,
            },
        }
    if not has_perm(membership, "pupil.read_sensitive") or placement.status == Placement.Status.DRAFT:
        return None
    return {
        "template": "placements/concerns/_brief_panel.html",
        "context": {
            "placement": placement,
            "brief": _brief(placement),
            "for_provider": False,
            "can_share": has_perm(membership, "brief.share") and placement.status != Placement.Status.ENDED,
        },
    }


def _brief(placement):
    """The placement's brief, or None: as the placement page loaded it with the placement, else read now."""
    if Placement.brief.related.is_cached(placement):
        return getattr(placement, "brief", None)
    return ProviderBrief.objects.filter(placement=placement).first()
