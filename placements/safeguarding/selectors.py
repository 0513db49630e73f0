"""Reads of safeguarding concerns."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When

from placements.safeguarding.models import SafeguardingConcern


def concern_list(membership, *, status: str = ""):
    """The concerns ``membership`` may see: waiting for a DSL first, then acknowledged, then closed, newest
    first within each."""
    concerns = SafeguardingConcern.objects.visible_to(membership).select_related(
        "pupil", "school", "placement__provider"
    )
    if status == "all":
        pass
    elif status in SafeguardingConcern.Status.values:
        concerns = concerns.filter(status=status)
    else:
        concerns = concerns.open()
    order = Case(
        When(status=SafeguardingConcern.Status.RAISED, then=Value(0)),
        When(status=SafeguardingConcern.Status.ACKNOWLEDGED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return concerns.annotate(status_order=order).order_by("status_order", "-raised_at", "-pk")


def open_concerns(membership):
    return concern_list(membership)
