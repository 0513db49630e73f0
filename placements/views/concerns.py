"""Safeguarding concern pages. A person who may not see a concern gets the same 404 as for one that does not
exist: a governor, another provider's staff or another school's DSL learns nothing, not even that the page is
there. Every page that shows a concern is access-logged."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from placements.models import BehaviourIncident
from placements.safeguarding import selectors, services
from placements.safeguarding.forms import (
    ConcernActionForm,
    ConcernCloseForm,
    ConcernFilter,
    ConcernForm,
    ProviderBriefForm,
)
from placements.safeguarding.models import ProviderBrief, SafeguardingConcern
from placements.views.common import get_placement, show_error
from trusts.access import get_visible_or_404
from trusts.errors import DomainError
from trusts.permissions import has_perm, member_required, permission_required
from trusts.services import access_log_record


def concern_page(action: str):
    """Signed in, and holding ``action``; anyone else gets 404, exactly as for a concern they cannot see."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_perm(request.membership, action):
                raise Http404("Not found.")
            return view(request, *args, **kwargs)

        wrapped.concern_action = action
        guarded = member_required(wrapped)
        guarded.concern_action = action
        return guarded

    return decorator


def get_concern(request, concern_pk, *, lock=False):
    queryset = SafeguardingConcern.objects.select_related(
        "pupil", "school", "placement__provider", "acknowledged_by", "closed_by", "from_incident"
    )
    return get_visible_or_404(queryset, request.membership, pk=concern_pk)


def to_concern(concern):
    return redirect("placements:concern_detail", concern_pk=concern.pk)


@concern_page("concern.raise")
def concern_raise(request, placement_pk):
    placement = get_placement(request, placement_pk)
    form = ConcernForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"occurred_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            concern = services.concern_raise(
                by=request.membership,
                placement=placement,
                category=data["category"],
                account=data["account"],
                occurred_at=data["occurred_at"],
                people_present=data["people_present"],
                immediate_action=data["immediate_action"],
                attachment=data.get("attachment"),
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(
                request,
                "Concern sent. The school's designated safeguarding leads have been told now, marked urgent. "
                "If the child is in immediate danger, call 999.",
            )
            return to_concern(concern)
    access_log_record(
        request=request,
        subject=placement.pupil,
        subject_type="pupil",
        school=placement.school,
        action="raising a safeguarding concern",
    )
    return render(request, "placements/concerns/raise.html", {"form": form, "placement": placement})


@concern_page("concern.raise")
def concern_list(request):
    filter_form = ConcernFilter(request.GET or None)
    status = filter_form.cleaned_data["status"] if filter_form.is_valid() else ""
    concerns = selectors.concern_list(request.membership, status=status)
    page = Paginator(concerns, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "placements/concerns/list.html",
        {"page": page, "filter": filter_form, "is_dsl": has_perm(request.membership, "concern.read")},
    )


@concern_page("concern.raise")
def concern_detail(request, concern_pk):
    concern = get_concern(request, concern_pk)
    access_log_record(
        request=request,
        subject=concern.pupil,
        subject_type="pupil",
        school=concern.school,
        action="viewed a safeguarding concern",
    )
    manage = has_perm(request.membership, "concern.manage") and not concern.is_closed
    return render(
        request,
        "placements/concerns/detail.html",
        {
            "concern": concern,
            "pupil": concern.pupil,
            "actions": concern.actions.all(),
            "can_manage": manage,
            "action_form": ConcernActionForm() if manage else None,
            "close_form": ConcernCloseForm() if manage else None,
        },
    )


@concern_page("concern.manage")
@require_POST
def concern_acknowledge(request, concern_pk):
    concern = get_concern(request, concern_pk)
    try:
        services.concern_acknowledge(by=request.membership, concern=concern)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, "Acknowledged: the concern is yours, and it will not be escalated.")
    return to_concern(concern)


@concern_page("concern.manage")
@require_POST
def concern_action_add(request, concern_pk):
    concern = get_concern(request, concern_pk)
    form = ConcernActionForm(request.POST)
    if form.is_valid():
        try:
            services.concern_action_record(
                by=request.membership,
                concern=concern,
                description=form.cleaned_data["description"],
                taken_at=form.cleaned_data["taken_at"],
            )
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, "Action recorded.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return to_concern(concern)


@concern_page("concern.manage")
@require_POST
def concern_close(request, concern_pk):
    concern = get_concern(request, concern_pk)
    form = ConcernCloseForm(request.POST)
    if form.is_valid():
        try:
            services.concern_close(by=request.membership, concern=concern, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, "The concern is closed with its outcome.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return to_concern(concern)


@concern_page("concern.raise")
def concern_attachment(request, concern_pk):
    concern = get_concern(request, concern_pk)
    if not concern.attachment:
        raise Http404("No attachment.")
    try:
        handle = concern.attachment.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    access_log_record(
        request=request,
        subject=concern.pupil,
        subject_type="pupil",
        school=concern.school,
        action="opened a concern's attachment",
    )
    extension = concern.attachment.name.rsplit(".", 1)[-1]
    stem = slugify(concern.attachment_name.rsplit(".", 1)[0]) or "attachment"
    response = FileResponse(
        handle, as_attachment=True, filename=f"{stem}.{extension}", content_type=concern.attachment_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@concern_page("concern.manage")
def incident_to_concern(request, incident_pk):
    """A DSL records a behaviour incident as a safeguarding concern, its words carried over."""
    incident = get_visible_or_404(
        BehaviourIncident.objects.select_related(
            "placement__pupil", "placement__school", "placement__provider"
        ),
        request.membership,
        pk=incident_pk,
    )
    placement = incident.placement
    existing = SafeguardingConcern.objects.filter(from_incident=incident).first()
    if existing is not None:
        messages.info(request, "This incident is already recorded as a safeguarding concern.")
        return to_concern(existing)
    form = ConcernForm(
        request.POST if request.method == "POST" else None,
        initial={
            "occurred_at": timezone.localtime(incident.occurred_at).replace(second=0, microsecond=0),
            "account": incident.description,
            "immediate_action": incident.action_taken,
        },
    )
    del form.fields["attachment"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            concern = services.concern_raise(
                by=request.membership,
                placement=placement,
                category=data["category"],
                account=data["account"],
                occurred_at=data["occurred_at"],
                people_present=data["people_present"],
                immediate_action=data["immediate_action"],
                from_incident=incident,
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "The incident is now a safeguarding concern, acknowledged by you.")
            return to_concern(concern)
    access_log_record(
        request=request,
        subject=placement.pupil,
        subject_type="pupil",
        school=placement.school,
        action="recording an incident as a concern",
    )
    return render(
        request,
        "placements/concerns/raise.html",
        {"form": form, "placement": placement, "incident": incident},
    )


@permission_required("brief.share")
def provider_brief_edit(request, placement_pk):
    """The school writes, and confirms it has shared, what the provider needs to know."""
    placement = get_placement(request, placement_pk)
    brief = ProviderBrief.objects.filter(placement=placement).first()
    initial = {}
    if brief is None:
        pupil = placement.pupil
        initial = {
            "medical_needs": pupil.medical_needs,
            "send_needs": "EHCP" if pupil.ehcp else ("SEN support" if pupil.sen_support else ""),
            "strategies": pupil.access_arrangements,
            "risk_triggers": placement.risk_assessment_summary,
            "dsl_out_of_hours": placement.school_dsl_contact,
        }
    form = ProviderBriefForm(
        request.POST if request.method == "POST" else None, instance=brief, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_brief_share(
                by=request.membership,
                placement=placement,
                **{k: form.cleaned_data[k] for k in ProviderBrief.CONTENT_FIELDS},
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "Saved and confirmed as shared with the provider.")
            return redirect("placements:placement_detail", placement_pk=placement.pk)
    access_log_record(request=request, subject=placement.pupil, subject_type="pupil", school=placement.school)
    return render(
        request,
        "placements/concerns/brief_form.html",
        {"form": form, "placement": placement, "brief": brief, "carers": list(placement.pupil.carers.all())},
    )
