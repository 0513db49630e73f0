"""What the placements services share: turning model validation into a DomainError, locking a placement,
the school-side check, and the link to a placement's page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse

from placements.models import Placement
from trusts.errors import DomainError, validation_problems
from trusts.permissions import require


def full_clean(instance, **kwargs):
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        problems = validation_problems(error)
        raise DomainError(problems[0], problems=problems) from None


def lock_placement(placement) -> Placement:
    return Placement.objects.select_for_update().get(pk=placement.pk)


def require_school_side_of(by, placement, action: str):
    """``by`` holds ``action`` (see trusts.permissions) and works at the placement's school (or the trust)."""
    require(by, action, "Your role does not allow you to change this placement.")
    if by.school_id is not None and by.school_id != placement.school_id:
        raise DomainError("This placement belongs to another school.")


def placement_url(placement) -> str:
    return reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})
