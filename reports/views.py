"""Each role's home page. Later apps add panels; the pages read, they never write."""

from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone

from trusts.access import member_required
from trusts.calendar import SchoolCalendar
from trusts.models import Membership, School, TrustPolicy
from trusts.roles import Role

HOME_BY_ROLE = {
    Role.TRUST_ADMIN: "trust_dashboard",
    Role.HEADTEACHER: "school_dashboard",
    Role.AP_LEAD: "school_dashboard",
    Role.ATTENDANCE_OFFICER: "school_dashboard",
    Role.DSL: "safeguarding_dashboard",
    Role.GOVERNOR: "governor_dashboard",
    Role.PROVIDER_STAFF: "provider_dashboard",
}


@member_required()
def home(request):
    return redirect(HOME_BY_ROLE[request.membership.role])


def _school_days_today(schools):
    today = timezone.localdate()
    return [(school, SchoolCalendar(school).why_not_school_day(today)) for school in schools]


@member_required(Role.TRUST_ADMIN)
def trust_dashboard(request):
    schools = School.objects.visible_to(request.membership).annotate(
        staff=Count("memberships", filter=Q(memberships__is_active=True))
    )
    return render(
        request,
        "reports/trust_dashboard.html",
        {"schools": schools, "policy": TrustPolicy.objects.filter(trust=request.trust).first()},
    )


@member_required(Role.HEADTEACHER, Role.AP_LEAD, Role.ATTENDANCE_OFFICER)
def school_dashboard(request):
    school = request.membership.school
    team = Membership.objects.active().filter(school=school).select_related("user").order_by("role")
    return render(
        request,
        "reports/school_dashboard.html",
        {"school": school, "team": team, "today": _school_days_today([school])[0][1]},
    )


@member_required(Role.DSL)
def safeguarding_dashboard(request):
    schools = list(School.objects.visible_to(request.membership))
    return render(
        request, "reports/safeguarding_dashboard.html", {"school_days": _school_days_today(schools)}
    )


@member_required(Role.GOVERNOR)
def governor_dashboard(request):
    schools = School.objects.visible_to(request.membership)
    return render(request, "reports/governor_dashboard.html", {"schools": schools})


@member_required(Role.PROVIDER_STAFF)
def provider_dashboard(request):
    return render(request, "reports/provider_dashboard.html", {})
