"""Placement pages: the list, a new placement, its page, editing, the timetable, the steps of its
lifecycle and the School Census export."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from placements import census, forms, lifecycle, selectors
from placements.agreements import sla
from placements.gates import agreement_readiness, loaded_for_gates, placement_gates
from placements.models import Attachment, Placement, Plan
from placements.panels import placement_panels
from placements.views.common import get_placement, show_error, to_detail
from trusts.access import get_visible_or_404
from trusts.errors import DomainError
from trusts.links import pk_link
from trusts.permissions import has_perm, permission_required
from trusts.services import access_log_record


@permission_required("placement.read")
def placement_list(request):
    queryset = selectors.placement_list_rows(request.membership)
    filterset = forms.PlacementFilter(request.GET or None, queryset=queryset, membership=request.membership)
    placements = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    page = Paginator(placements, 25).get_page(request.GET.get("page"))
    detail_url = pk_link("placements:placement_detail", "placement_pk")
    page.object_list = list(page.object_list)
    for p in page.object_list:
        p.url = detail_url(p.pk)
    return render(
        request,
        "placements/placement_list.html",
        {
            "filter": filterset,
            "page": page,
        },
    )


@permission_required("placement.edit")
def placement_create(request):
    initial = {}
    if request.GET.get("pupil", "").isdigit():
        initial["pupil"] = request.GET["pupil"]
    form = forms.PlacementForm(request.POST or None, initial=initial, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in Placement.EDITABLE_FIELDS}
        try:
            placement = lifecycle.placement_create(
                by=request.membership,
                pupil=form.cleaned_data["pupil"],
                provider=form.cleaned_data["provider"],
                **data,
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "Draft placement created. Set the timetable next.")
            return redirect("placements:placement_timetable", placement_pk=placement.pk)
    return render(request, "placements/form.html", {"form": form, "title": "New placement"})


@permission_required("placement.read")
def placement_detail(request, placement_pk):
    membership = request.membership
    # The school's own records of the placement (conditions, costs, agreements) are for the people who work
    # with pupils' records; the provider's staff see the placement, its timetable, plan and reports.
    school_view = has_perm(membership, "pupil.read")
    if school_view:
        # Loaded once with everything its gates read (timetable, consents, agreements, plan, SLA versions,
        # notices): the page shows the same records, and the gates read them from here.
        placement = get_visible_or_404(
            loaded_for_gates().select_related("referral_form", "brief"), membership, pk=placement_pk
        )
        # The pupil's committed placements, read once: the other providers shown here, and the gates' checks.
        pupils_committed = selectors.committed_of_pupils([placement.pupil_id])
        others = selectors.overlapping(placement, pupils_committed)
    else:
        placement = get_placement(request, placement_pk)
        pupils_committed = None
        others = list(selectors.other_current_placements(placement))
    open_ = placement.status != Placement.Status.ENDED
    committed = placement.status in Placement.COMMITTED_STATUSES
    # The page shows the pupil, so every view is logged, the provider's staff's too.
    access_log_record(request=request, subject=placement.pupil, subject_type="pupil", school=placement.school)
    context = {
        "placement": placement,
        "pupil": placement.pupil,
        "sessions": placement.sessions.all(),
        "school_view": school_view,
        "can_edit": open_ and has_perm(membership, "placement.edit"),
        "can_agree": placement.status == Placement.Status.PROPOSED
        and has_perm(membership, "placement.agree"),
        "can_report": committed and has_perm(membership, "provider_report.write"),
        "can_report_incident": committed and has_perm(membership, "incident.report"),
        "can_build_sla": open_ and has_perm(membership, "sla.build"),
        "can_respond": placement.status == Placement.Status.PROPOSED
        and not placement.provider_response
        and has_perm(membership, "referral.respond"),
        "can_read_sla": has_perm(membership, "sla.read"),
        "can_issue_notice": open_ and has_perm(membership, "notice.issue"),
        "can_manage_reviews": open_ and has_perm(membership, "review.manage"),
        "education": selectors.weekly_education(placement, others=others),
        "others": others,
        "plan": _plan_of(placement)
        if school_view
        else Plan.objects.filter(placement=placement).prefetch_related("targets").first(),
        "reviews": placement.reviews.all(),
        "provider_reports": placement.provider_reports.select_related("written_by"),
        "incidents": placement.incidents.all(),
        "today": timezone.localdate(),
        "costs": selectors.cost_parts(placement),
        "panels": placement_panels(request, placement),
        "attachments": Attachment.objects.visible_to(membership).filter(placement=placement),
        "can_upload": has_perm(membership, "attachment.upload"),
        "setup_meetings": placement.setup_meetings.all(),
        "home_school_agreements": placement.home_school_agreements.all(),
        "can_record_setup": open_ and has_perm(membership, "setup_meeting.record"),
        "can_record_assessment": committed and has_perm(membership, "initial_assessment.record"),
        "can_record_home_school": open_ and has_perm(membership, "home_school.record"),
        "can_mark_concern": committed and has_perm(membership, "causing_concern.mark"),
        "can_clear_concern": has_perm(membership, "causing_concern.clear"),
        "can_write_behaviour_update": committed and has_perm(membership, "behaviour_update.write"),
    }
    concerns = list(placement.behaviour_concerns.select_related("raised_by", "cleared_by"))
    context["causing_concern"] = next((c for c in concerns if c.is_open), None)
    context["past_concerns"] = [c for c in concerns if not c.is_open]
    context["behaviour_updates"] = list(placement.behaviour_updates.select_related("written_by"))
    if school_view:
        versions = placement.versions_newest_first
        context.update(
            {
                "gates": placement_gates(placement, loaded=True, pupils_committed=pupils_committed),
                "consents": placement.consents.all(),
                "la_agreements": placement.la_agreements.all(),
                "sla_versions": versions,
                "sla_current": sla.sla_is_current(versions[0] if versions else None, placement),
                "notices": placement.notices_newest_first,
                "suspension_notices": placement.suspension_notices.all()
                if placement.reason == Placement.Reason.SUSPENSION
                else [],
                "outcome": getattr(placement, "outcome", None)
                if placement.status == Placement.Status.ENDED
                else None,
            }
        )
        context["blocking"] = [g for g in context["gates"] if g.blocking and not g.met]
    # Agree is offered only where it can succeed; otherwise the page says what still blocks it.
    context["agree_blocked"] = context["can_agree"] and bool(context.get("blocking"))
    return render(request, "placements/placement_detail.html", context)


def _plan_of(placement):
    """The plan loaded with the placement (``with_everything``), or None."""
    try:
        return placement.plan
    except Plan.DoesNotExist:
        return None


@permission_required("placement.edit")
def placement_edit(request, placement_pk):
    placement = get_placement(request, placement_pk)
    form = forms.PlacementForm(request.POST or None, instance=placement, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in Placement.EDITABLE_FIELDS}
        if placement.is_open:
            data["provider"] = form.cleaned_data["provider"]
        try:
            lifecycle.placement_update(
                by=request.membership, placement=Placement.objects.get(pk=placement.pk), **data
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "Placement saved.")
            return to_detail(placement)
    return render(
        request, "placements/form.html", {"form": form, "title": f"Edit the placement of {placement.pupil}"}
    )


@permission_required("placement.edit")
def placement_timetable(request, placement_pk):
    placement = get_placement(request, placement_pk)
    formset = forms.SessionFormSet(request.POST or None, initial=forms.timetable_initial(placement))
    if request.method == "POST" and formset.is_valid():
        sessions = [
            {k: f.cleaned_data[k] for k in ("weekday", "session", "start_time", "end_time")}
            for f in formset
            if f.cleaned_data.get("attends")
        ]
        try:
            lifecycle.timetable_set(by=request.membership, placement=placement, sessions=sessions)
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, "Timetable saved.")
            return to_detail(placement)
    return render(request, "placements/timetable.html", {"placement": placement, "formset": formset})


def _transition(request, placement_pk, action, done):
    placement = get_placement(request, placement_pk)
    try:
        action(by=request.membership, placement=placement)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, done)
    return to_detail(placement)


@permission_required("placement.edit")
@require_POST
def placement_propose(request, placement_pk):
    return _transition(
        request, placement_pk, lifecycle.placement_propose, "Proposed: the provider can now see it."
    )


@permission_required("placement.agree")
@require_POST
def placement_agree(request, placement_pk):
    if request.POST.get("next") == "awaiting":
        placement = get_placement(request, placement_pk)
        try:
            lifecycle.placement_agree(by=request.membership, placement=placement)
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(
                request, f"You agreed the placement of {placement.pupil} at {placement.provider}."
            )
        return redirect("placements:awaiting_agreement")
    return _transition(request, placement_pk, lifecycle.placement_agree, "You agreed the placement.")


@permission_required("placement.agree")
def awaiting_agreement(request):
    """The headteacher's list: proposed placements ready for agreement (with Agree), and the others with what
    still blocks each."""
    proposed = selectors.placement_list(request.membership).filter(status=Placement.Status.PROPOSED)
    rows = agreement_readiness(proposed)
    return render(
        request,
        "placements/awaiting_agreement.html",
        {"ready": [r for r in rows if r.ready], "blocked": [r for r in rows if not r.ready]},
    )


@permission_required("placement.edit")
@require_POST
def placement_activate(request, placement_pk):
    return _transition(request, placement_pk, lifecycle.placement_activate, "The placement is now active.")


@permission_required("placement.census_export")
def census_export(request):
    """Placements as the School Census AP module asks for them, for the schools the person can see."""
    queryset = (
        selectors.placement_list(request.membership)
        .exclude(status__in=[Placement.Status.DRAFT, Placement.Status.PROPOSED])
        .order_by("school__urn", "pupil__legal_last_name", "start_date")
    )
    response = HttpResponse(census.census_csv(queryset), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ap-census-{timezone.localdate():%Y-%m-%d}.csv"'
    return response
