"""Each role's home page: a dashboard that reads the other apps (through reports.selectors) and links to the
pages where the person acts. The pages read, they never write."""

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from placements.models import Pupil
from reports import chronology, selectors
from trusts.access import get_visible_or_404
from trusts.calendar import calendars_for
from trusts.models import Membership, School
from trusts.permissions import member_required, permission_required
from trusts.roles import Role
from trusts.selectors import trust_policy
from trusts.services import access_log_record
from trusts.snapshots import rendered

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


def _school_asked(request):
    """The school of ``?school=`` when the DSL sees more than one: one of theirs, else 404."""
    pk = request.GET.get("school")
    if not pk:
        return None
    if not pk.isdigit():
        raise Http404("No such school.")
    return get_object_or_404(School.objects.visible_to(request.membership), pk=int(pk))


@permission_required("dashboard.safeguarding")
def safeguarding_dashboard(request):
    context = selectors.safeguarding_dashboard(
        request.membership,
        now=timezone.now(),
        policy=trust_policy(request.trust.pk),
        school=_school_asked(request),
    )
    context["poll_seconds"] = POLL_SECONDS
    return render(request, "reports/safeguarding_dashboard.html", context)


@permission_required("dashboard.safeguarding")
def safeguarding_now(request):
    """The dashboard's live part alone: the page asks for it every ``POLL_SECONDS`` and swaps it in."""
    context = selectors.safeguarding_now(
        request.membership,
        now=timezone.now(),
        policy=trust_policy(request.trust.pk),
        school=_school_asked(request),
    )
    context["poll_seconds"] = POLL_SECONDS
    return render(request, "reports/_safeguarding_now.html", context)


@permission_required("dashboard.governor")
def governor_dashboard(request):
    """Anonymised counts, the same for every governor of the trust (or of one school): a snapshot, rendered once a
    snapshot, and as old as the attendance figures in it at most (the page says as of when)."""
    kept = selectors.governor_snapshot(request.membership, today=timezone.localdate())
    context = kept.value
    as_of = min(filter(None, [kept.as_of, context["as_of"]]), default=None)
    figures = rendered(kept, "reports/_governor_figures.html", context)
    return render(
        request,
        "reports/governor_dashboard.html",
        {"figures": figures, "year_start": context["year_start"], "as_of": as_of},
    )


@permission_required("dashboard.provider")
def provider_dashboard(request):
    context = selectors.provider_dashboard(request.membership, today=timezone.localdate())
    return render(request, "reports/provider_dashboard.html", context)


class ChronologyFilter(forms.Form):
    kind = forms.MultipleChoiceField(
        required=False,
        choices=list(chronology.KINDS.items()),
        widget=forms.CheckboxSelectMultiple,
        label="Show",
    )
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end date comes before the start.")
        return data


@permission_required("chronology.read")
def pupil_chronology(request, pupil_pk, fmt="html"):
    pupil = get_visible_or_404(Pupil.objects.select_related("school"), request.membership, pk=pupil_pk)
    form = ChronologyFilter(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    entries = chronology.pupil_chronology(
        pupil, kinds=set(data.get("kind") or []) or None, start=data.get("start"), end=data.get("end")
    )
    access_log_record(
        request=request,
        subject=pupil,
        subject_type="pupil",
        school=pupil.school,
        action={"html": "viewed the chronology", "csv": "exported the chronology (CSV)"}.get(
            fmt, "printed the chronology (PDF)"
        ),
    )
    stem = f"chronology-{pupil.upn}-{timezone.localdate():%Y%m%d}"
    if fmt == "csv":
        response = HttpResponse(
            chronology.chronology_csv(pupil, entries), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response
    if fmt == "pdf":
        filters = ", ".join(chronology.KINDS[k] for k in data.get("kind") or []) or "everything"
        if data.get("start") or data.get("end"):
            filters += f", {data.get('start') or '…'} to {data.get('end') or '…'}"
        user = request.user
        response = HttpResponse(
            chronology.chronology_pdf(
                pupil, entries, printed_by=user.get_full_name() or user.get_username(), filters=filters
            ),
            content_type="application/pdf",
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response
    return render(
        request,
        "reports/chronology.html",
        {"pupil": pupil, "entries": entries, "form": form, "query": request.GET.urlencode()},
    )
