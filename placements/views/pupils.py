"""Pupil pages: the list, a record, adding and editing, parents and carers, the CSV import."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from placements import forms, pupils, selectors
from placements.imports import read_layout
from placements.models import Pupil
from placements.panels import pupil_panels
from placements.views.common import show_error
from trusts.access import get_visible_or_404
from trusts.csv_import import PendingImport, decode_upload
from trusts.errors import DomainError
from trusts.links import pk_link
from trusts.permissions import permission_required
from trusts.services import access_log_record

IMPORT_SESSION_KEY = "pupil_import"


@permission_required("pupil.read")
def pupil_list(request):
    queryset = selectors.pupil_list_rows(request.membership)
    filterset = forms.PupilFilter(request.GET or None, queryset=queryset, membership=request.membership)
    matching = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    page = Paginator(matching, 25).get_page(request.GET.get("page"))
    detail_url = pk_link("placements:pupil_detail", "pupil_pk")
    page.object_list = list(page.object_list)
    for p in page.object_list:
        p.url = detail_url(p.pk)
    return render(
        request,
        "placements/pupil_list.html",
        {"filter": filterset, "page": page},
    )


@permission_required("pupil.edit")
def pupil_create(request):
    form = forms.PupilForm(request.POST or None, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "school"}
        try:
            pupil = pupils.pupil_create(by=request.membership, school=form.cleaned_data["school"], **data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(
                request, f"{pupil} is on the school's records. Add their parents or carers next."
            )
            return redirect("placements:pupil_detail", pupil_pk=pupil.pk)
    return render(request, "placements/form.html", {"form": form, "title": "Add a pupil"})


@permission_required("pupil.read")
def pupil_detail(request, pupil_pk):
    pupil = get_visible_or_404(Pupil.objects.select_related("school"), request.membership, pk=pupil_pk)
    access_log_record(request=request, subject=pupil, subject_type="pupil", school=pupil.school)
    placements = pupil.placements.select_related("provider")
    return render(
        request,
        "placements/pupil_detail.html",
        {
            "pupil": pupil,
            "carers": pupil.carers.all(),
            "placements": placements,
            "panels": pupil_panels(request, pupil),
        },
    )


@permission_required("pupil.edit")
def pupil_edit(request, pupil_pk):
    pupil = get_visible_or_404(Pupil.objects, request.membership, pk=pupil_pk)
    form = forms.PupilForm(request.POST or None, instance=pupil, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "school"}
        pupil = Pupil.objects.get(pk=pupil.pk)
        try:
            pupils.pupil_update(by=request.membership, pupil=pupil, **data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "Saved.")
            return redirect("placements:pupil_detail", pupil_pk=pupil.pk)
    return render(request, "placements/form.html", {"form": form, "title": f"Edit {pupil}"})


@permission_required("pupil.edit")
def carer_add(request, pupil_pk):
    pupil = get_visible_or_404(Pupil.objects, request.membership, pk=pupil_pk)
    form = forms.CarerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pupils.carer_add(by=request.membership, pupil=pupil, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "Parent or carer added.")
            return redirect("placements:pupil_detail", pupil_pk=pupil.pk)
    return render(
        request, "placements/form.html", {"form": form, "title": f"Add a parent or carer of {pupil}"}
    )


@permission_required("pupil.import")
def pupil_import(request):
    """Upload: preview every row (and every problem). Confirm: the same text, committed all-or-nothing."""
    form = forms.PupilImportForm(request.POST or None, request.FILES or None, membership=request.membership)
    pending = PendingImport(request, IMPORT_SESSION_KEY)
    if request.method == "POST" and form.is_valid():
        school = form.cleaned_data["school"]
        text = pending.take(request.POST.get("token")) if "confirm" in request.POST else None
        if text is not None:
            try:
                rows = pupils.pupil_import_commit(by=request.membership, school=school, text=text)
            except DomainError as error:
                show_error(request, error)
            else:
                pending.drop()
                messages.success(request, f"Imported into {school}: {pupils.import_summary(rows)}.")
                return redirect("placements:pupil_list")
        upload = form.cleaned_data.get("file")
        if upload is None:
            form.add_error("file", "Choose the CSV file to import.")
        else:
            text = decode_upload(upload.read(), fallback="cp1252")
            preview, problems = pupils.pupil_import_preview(text, school=school)
            return render(
                request,
                "placements/pupil_import.html",
                {
                    "form": form,
                    "preview": preview,
                    "problems": problems,
                    "token": pending.keep(text),
                    "school": school,
                    "layout": read_layout(text),
                    "summary": pupils.import_summary(preview),
                },
            )
    return render(request, "placements/pupil_import.html", {"form": form, "preview": None, "problems": None})
