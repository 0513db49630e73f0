"""A placement causing concern: marked by the school or raised by the provider, cleared by the school, and the
provider's weekly behaviour and attitude update meanwhile (``placements.behaviour``)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.utils import timezone

from placements import behaviour, forms
from placements.views.common import get_placement, show_error, to_detail
from trusts.errors import DomainError
from trusts.permissions import permission_required


@permission_required("causing_concern.mark")
def causing_concern_mark(request, placement_pk):
    placement = get_placement(request, placement_pk)
    form = forms.CausingConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            behaviour.causing_concern_mark(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(
                request,
                "The placement is marked as causing concern: both sides have been told, and the provider is "
                "asked for a behaviour update each week.",
            )
            return to_detail(placement)
    return render(
        request,
        "placements/form.html",
        {
            "form": form,
            "title": "Mark the placement as causing concern",
            "hint": "The school's AP lead and head and the provider's staff are told at once. Only the school "
            "clears it.",
            "placement": placement,
        },
    )


@permission_required("causing_concern.clear")
def causing_concern_clear(request, placement_pk):
    placement = get_placement(request, placement_pk)
    form = forms.CausingConcernClearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            behaviour.causing_concern_clear(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "The concern is cleared: no more weekly updates are asked for.")
            return to_detail(placement)
    return render(
        request,
        "placements/form.html",
        {"form": form, "title": "Clear the concern", "placement": placement},
    )


@permission_required("behaviour_update.write")
def behaviour_update_create(request, placement_pk):
    placement = get_placement(request, placement_pk)
    today = timezone.localdate()
    weeks = behaviour.owed_weeks(placement, today=today)
    form = forms.BehaviourUpdateForm(request.POST or None, weeks=weeks)
    if request.method == "POST" and form.is_valid():
        try:
            behaviour.behaviour_update_record(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "Weekly behaviour update saved: the school's AP lead has been told.")
            return to_detail(placement)
    incidents = []
    if weeks:
        incidents = [(w, behaviour.week_incidents(placement, w.monday)) for w in weeks]
    return render(
        request,
        "placements/behaviour_update.html",
        {
            "form": form,
            "placement": placement,
            "weeks": weeks,
            "incidents": incidents,
            "in_concern": behaviour.open_concern(placement) is not None,
        },
    )
