"""How views reach objects: a missing object and another trust's or another school's object give the same
404. Who may open a page is trusts/permissions.py."""

from django.core.exceptions import ValidationError
from django.http import Http404


def get_visible_or_404(queryset, membership, **lookup):
    """The object matching ``lookup`` among those ``membership`` may see, or 404.

    ``queryset`` must offer ``visible_to(membership)``; the trust scope is already applied by its manager.
    """
    try:
        return queryset.visible_to(membership).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("Not found.") from None
