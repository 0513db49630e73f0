from apcommission.navigation import nav_for
from trusts.permissions import Can


def app_context(request):
    membership = getattr(request, "membership", None)
    if getattr(request, "needs_two_factor", False) and not request.user.is_verified():
        # Until the second factor is passed, the page shows nothing of the trust.
        return {"nav_items": [], "active_membership": None, "memberships": [], "can": Can(None)}
    if membership is None:
        return {
            "nav_items": [],
            "active_membership": None,
            "memberships": getattr(request, "memberships", []),
            "can": Can(None),
        }
    from trusts.models import Notification

    return {
        "active_membership": membership,
        "memberships": request.memberships,
        "can": Can(membership),
        "nav_items": nav_for(membership, request.path),
        "unread_count": lambda: Notification.objects.for_user(request.user).unread().count(),
    }
