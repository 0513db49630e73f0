"""After agreement: reviews, progress reports, incidents and ending a placement with its outcome."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.utils import timezone

from placements import forms, reviews
from placements.models import Plan, Review
from placements.views.common import get_placement, show_error, to_detail
from trusts.access import get_visible_or_404
from trusts.errors import DomainError
from trusts.permissions import permission_required


@permission_required("review.manage")
def review_schedule(request, placement_pk):
    placement = get_placement(request, placement_pk)
    form = forms.ReviewScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reviews.review_schedule(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "Review scheduled.")
            return to_detail(placement)
    return render(
        request, "placements/form.html", {"form": form, "title": "Schedule a review", "placement": placement}
    )


@permission_required("review.manage")
def review_record(request, review_pk):
    review = get_visible_or_404(
        Review.objects.select_related("placement__pupil", "placement__provider"),
        request.membership,
        pk=review_pk,
    )
    placement = review.placement
    plan = Plan.objects.filter(placement=placement).first()
    targets = list(plan.targets.all()) if plan else []
    form = forms.ReviewRecordForm(request.POST or None, instance=review, targets=targets)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.Meta.fields if k not in ("held_on", "next_review_date")}
        try:
            reviews.review_record(
                by=request.membership,
                review=Review.objects.get(pk=review.pk),
                held_on=form.cleaned_data["held_on"],
                next_review_date=form.cleaned_data["next_review_date"],
                progress=form.progress(),
                **data,
            )
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, "Review recorded.")
            return to_detail(placement)
    return render(request, "placements/review.html", {"form": form, "review": review, "placement": placement})


@permission_required("provider_report.write")
def provider_report_create(request, placement_pk):
    placement = get_placement(request, placement_pk)
    form = forms.ProviderReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reviews.provider_report_record(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "Progress report saved.")
            return to_detail(placement)
    return render(
        request,
        "placements/form.html",
        {"form": form, "title": "Half-termly progress report", "placement": placement},
    )


@permission_required("incident.report")
def incident_create(request, placement_pk):
    placement = get_placement(request, placement_pk)
    form = forms.IncidentForm(
        request.POST or None, initial={"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            reviews.incident_record(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(
                request,
                "Incident recorded; the school's AP lead and DSL have been told. If it is a safeguarding concern, "
                "raise one as well.",
            )
            return to_detail(placement)
    return render(
        request,
        "placements/form.html",
        {"form": form, "title": "Report a behaviour incident", "placement": placement},
    )


@permission_required("placement.edit")
def placement_end(request, placement_pk):
    placement = get_placement(request, placement_pk)
    plan = Plan.objects.filter(placement=placement).first()
    targets = list(plan.targets.all()) if plan else []
    form = forms.EndForm(request.POST or None, targets=targets, initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            reviews.placement_end(
                by=request.membership,
                placement=placement,
                ended_on=form.cleaned_data["ended_on"],
                ended_outcome=form.cleaned_data["ended_outcome"],
                ended_reason=form.cleaned_data["ended_reason"],
                outcome=form.outcome_data(),
                target_outcomes=form.target_outcomes(),
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "The placement has ended and its outcome is recorded.")
            return to_detail(placement)
    return render(request, "placements/end.html", {"form": form, "placement": placement})
