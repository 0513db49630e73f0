"""Each role's home page: a dashboard that reads the other apps (through reports.selectors) and links to the
pages where the person acts. The pages read, they never write."""

from django.shortcuts import redirect, render
from django.utils import timezone

from reports import selectors
from trusts.calendar import calendars_for
from trusts.models import Membership
from trusts.permissions import member_required, permission_required
from trusts.roles import Role
from trusts.selectors import trust_policy

# How often the DSL's dashboard refreshes who is where and the open concerns, without a reload.
POLL_SECONDS = 20

HOME_BY_ROLE = {
    Role.TRUST_ADMIN: "trust_dashboard",
    Role.HEADTEACHER: "school_dashboard",
    Role.AP_LEAD: "school_dashboard",
    Role.ATTENDANCE_OFFICER: "school_dashboard",
    Role.DSL: "safeguarding_dashboard",
    Role.GOVERNOR: "governor_dashboard",
    Role.PROVIDER_STAFF: "provider_dashboard",
}


@member_required
def home(request):
    return redirect(HOME_BY_ROLE[request.membership.role])


@permission_required("dashboard.trust")
def trust_dashboard(request):
    policy = trust_policy(request.trust.pk)
    context = selectors.trust_dashboard(request.membership, today=timezone.localdate(), policy=policy)
    context["policy"] = policy if policy.pk else None
    return render(request, "reports/trust_dashboard.html", context)


@permission_required("dashboard.school")
def school_dashboard(request):
    school = request.membership.school
    today = timezone.localdate()
    context = selectors.school_dashboard(request.membership, today=today)
    context.update(
        {
            "school": school,
            "today": today,
            "closed_today": calendars_for([school])[school.pk].why_not_school_day(today),
            "team": Membership.objects.active().filter(school=school).select_related("user").order_by("role"),
        }
    )
    return render(request, "reports/school_dashboard.html", context)


@permission_required("dashboard.safeguarding")
def safeguarding_dashboard(request):
    context = selectors.safeguarding_dashboard(
        request.membership, now=timezone.now(), policy=trust_policy(request.trust.pk)
    )
    context["poll_seconds"] = POLL_SECONDS
    return render(request, "reports/safeguarding_dashboard.html", context)


@permission_required("dashboard.safeguarding")
def safeguarding_now(request):
    """The dashboard's live part alone: the page asks for it every ``POLL_SECONDS`` and swaps it in."""
    context = selectors.safeguarding_now(
        request.membership, now=timezone.now(), policy=trust_policy(request.trust.pk)
    )
    context["poll_seconds"] = POLL_SECONDS
    return render(request, "reports/_safeguarding_now.html", context)


@permission_required("dashboard.governor")
def governor_dashboard(request):
    context = selectors.governor_dashboard(request.membership, today=timezone.localdate())
    return render(request, "reports/governor_dashboard.html", context)


@permission_required("dashboard.provider")
def provider_dashboard(request):
    context = selectors.provider_dashboard(request.membership, today=timezone.localdate())
    return render(request, "reports/provider_dashboard.html", context)
