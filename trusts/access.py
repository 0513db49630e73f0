"""How views reach objects and check roles. One helper per question, so every view answers it the same way:
a missing object and another trust's or another school's object give the same 404."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404


def get_visible_or_404(queryset, membership, **lookup):
    """The object matching ``lookup`` among those ``membership`` may see, or 404.

    ``queryset`` must offer ``visible_to(membership)``; the trust scope is already applied by its manager.
    """
    try:
        return queryset.visible_to(membership).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("Not found.") from None


def member_required(*roles):
    """Signed in, with an active membership, and (if roles are given) holding one of them; otherwise 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            membership = getattr(request, "membership", None)
            if membership is None:
                raise PermissionDenied("Choose a trust first.")
            if roles and membership.role not in roles:
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
