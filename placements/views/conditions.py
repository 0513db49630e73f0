"""The pages recording the conditions before agreement: consent, the local authority, the plan, checks."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render

from placements import conditions, forms
from placements.models import Plan
from placements.views.common import get_placement, show_error, to_detail
from trusts.errors import DomainError
from trusts.permissions import permission_required


@permission_required("placement.edit")
def consent_record(request, placement_pk):
    placement = get_placement(request, placement_pk)
    form = forms.ConsentForm(request.POST or None, placement=placement)
    if request.method == "POST" and form.is_valid():
        try:
            conditions.consent_record(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "Recorded.")
            return to_detail(placement)
    return render(
        request,
        "placements/form.html",
        {
            "form": form,
            "title": "Record a parent's or carer's consent",
            "placement": placement,
            "hint": "Only a parent or carer with parental responsibility can give or refuse consent.",
        },
    )


@permission_required("placement.edit")
def la_agreement_record(request, placement_pk):
    placement = get_placement(request, placement_pk)
    form = forms.LAAgreementForm(
        request.POST or None,
        initial={"local_authority": placement.pupil.responsible_la or placement.school.local_authority},
    )
    if request.method == "POST" and form.is_valid():
        try:
            conditions.la_agreement_record(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "Local authority agreement recorded.")
            return to_detail(placement)
    return render(
        request,
        "placements/form.html",
        {"form": form, "title": "Record the local authority's agreement", "placement": placement},
    )


@permission_required("placement.edit")
def plan_edit(request, placement_pk):
    placement = get_placement(request, placement_pk)
    plan = Plan.objects.filter(placement=placement).first()
    initial_targets = (
        [
            {
                f: getattr(t, f)
                for f in (
                    "objective",
                    "baseline",
                    "measure",
                    "school_support",
                    "provider_support",
                    "target_date",
                )
            }
            | {"id": t.pk}
            for t in plan.targets.all()
        ]
        if plan
        else []
    )
    form = forms.PlanForm(request.POST or None, instance=plan, prefix="plan")
    formset = forms.TargetFormSet(request.POST or None, initial=initial_targets, prefix="targets")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        targets = []
        for f in formset:
            data = f.cleaned_data
            if not data or (
                not data.get("id") and not any(data.get(k) for k in ("objective", "baseline", "measure"))
            ):
                continue
            targets.append(
                {**{k: v for k, v in data.items() if k != "DELETE"}, "delete": data.get("DELETE", False)}
            )
        try:
            conditions.plan_save(
                by=request.membership, placement=placement, targets=targets, **form.cleaned_data
            )
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, "Plan saved.")
            return to_detail(placement)
    return render(request, "placements/plan.html", {"form": form, "formset": formset, "placement": placement})


@permission_required("placement.edit")
def checks_edit(request, placement_pk):
    placement = get_placement(request, placement_pk)
    form = forms.ChecksForm(request.POST or None, instance=placement)
    if request.method == "POST" and form.is_valid():
        try:
            conditions.checks_record(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "Saved.")
            return to_detail(placement)
    return render(
        request,
        "placements/form.html",
        {"form": form, "title": "Risk assessment and local authority", "placement": placement},
    )
