"""Pages of the placements app: thin, each parses, calls a service and renders. Objects are always fetched
through ``get_visible_or_404``, so another trust's or another school's record answers 404."""

from __future__ import annotations

import csv
import io
import secrets

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from placements import forms, selectors, services
from placements.imports import parse_pupil_csv
from placements.models import (
    Placement,
    Plan,
    Pupil,
    ReferralNotice,
    Review,
    SLAVersion,
)
from placements.panels import placement_panels, pupil_panels
from trusts.access import get_visible_or_404, member_required
from trusts.errors import DomainError
from trusts.roles import SENSITIVE_DATA_ROLES, Role
from trusts.services import access_log_record

# Who may do what. Governors see anonymised reports only, so none of these pages.
EDITORS = (Role.TRUST_ADMIN, Role.HEADTEACHER, Role.AP_LEAD)
PUPIL_READERS = (Role.TRUST_ADMIN, Role.HEADTEACHER, Role.AP_LEAD, Role.ATTENDANCE_OFFICER, Role.DSL)
PLACEMENT_READERS = (*PUPIL_READERS, Role.PROVIDER_STAFF)
REPORTERS = (*EDITORS, Role.PROVIDER_STAFF)
IMPORT_SESSION_KEY = "pupil_import"


def _show_error(request, error: DomainError, form=None):
    """Field errors next to the field where the service named one; every problem as a message otherwise."""
    if form is not None and error.field and error.field in form.fields:
        form.add_error(error.field, error.message)
        return
    if len(error.problems) > 1:
        messages.error(request, error.message)
        for problem in error.problems:
            if problem != error.message:
                messages.warning(request, problem)
    else:
        messages.error(request, error.problems[0])


def _placement(request, placement_pk, **extra):
    queryset = Placement.objects.select_related("pupil", "provider", "school", "trust__policy")
    return get_visible_or_404(queryset, request.membership, pk=placement_pk, **extra)


def _detail(placement):
    return redirect("placements:placement_detail", placement_pk=placement.pk)


# ---------------------------------------------------------------------------------------------------------
# Pupils


@member_required(*PUPIL_READERS)
def pupil_list(request):
    queryset = Pupil.objects.visible_to(request.membership).select_related("school")
    queryset = queryset.annotate(placement_count=Count("placements")).order_by(
        "legal_last_name", "legal_first_name", "pk"
    )
    filterset = forms.PupilFilter(request.GET or None, queryset=queryset, membership=request.membership)
    pupils = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    page = Paginator(pupils, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "placements/pupil_list.html",
        {"filter": filterset, "page": page, "can_edit": request.membership.role in EDITORS},
    )


@member_required(*EDITORS)
def pupil_create(request):
    form = forms.PupilForm(request.POST or None, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "school"}
        try:
            pupil = services.pupil_create(by=request.membership, school=form.cleaned_data["school"], **data)
        except DomainError as error:
            _show_error(request, error, form)
        else:
            messages.success(
                request, f"{pupil} is on the school's records. Add their parents or carers next."
            )
            return redirect("placements:pupil_detail", pupil_pk=pupil.pk)
    return render(request, "placements/form.html", {"form": form, "title": "Add a pupil"})


@member_required(*PUPIL_READERS)
def pupil_detail(request, pupil_pk):
    pupil = get_visible_or_404(Pupil.objects.select_related("school"), request.membership, pk=pupil_pk)
    access_log_record(request=request, subject=pupil, subject_type="pupil", school=pupil.school)
    placements = pupil.placements.select_related("provider").annotate(weekly_hours=Sum("sessions__hours"))
    return render(
        request,
        "placements/pupil_detail.html",
        {
            "pupil": pupil,
            "carers": pupil.carers.all(),
            "placements": placements,
            "show_sensitive": request.membership.role in SENSITIVE_DATA_ROLES,
            "can_edit": request.membership.role in EDITORS,
            "panels": pupil_panels(request, pupil),
        },
    )


@member_required(*EDITORS)
def pupil_edit(request, pupil_pk):
    pupil = get_visible_or_404(Pupil.objects, request.membership, pk=pupil_pk)
    form = forms.PupilForm(request.POST or None, instance=pupil, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "school"}
        pupil = Pupil.objects.get(pk=pupil.pk)
        try:
            services.pupil_update(by=request.membership, pupil=pupil, **data)
        except DomainError as error:
            _show_error(request, error, form)
        else:
            messages.success(request, "Saved.")
            return redirect("placements:pupil_detail", pupil_pk=pupil.pk)
    return render(request, "placements/form.html", {"form": form, "title": f"Edit {pupil}"})


@member_required(*EDITORS)
def carer_add(request, pupil_pk):
    pupil = get_visible_or_404(Pupil.objects, request.membership, pk=pupil_pk)
    form = forms.CarerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.carer_add(by=request.membership, pupil=pupil, **form.cleaned_data)
        except DomainError as error:
            _show_error(request, error, form)
        else:
            messages.success(request, "Parent or carer added.")
            return redirect("placements:pupil_detail", pupil_pk=pupil.pk)
    return render(
        request, "placements/form.html", {"form": form, "title": f"Add a parent or carer of {pupil}"}
    )


@member_required(*EDITORS)
def pupil_import(request):
    """Upload: preview every row (and every problem). Confirm: the same text, committed all-or-nothing."""
    form = forms.PupilImportForm(request.POST or None, request.FILES or None, membership=request.membership)
    preview = problems = None
    if request.method == "POST" and form.is_valid():
        school = form.cleaned_data["school"]
        stored = request.session.get(IMPORT_SESSION_KEY)
        if "confirm" in request.POST and stored and stored["token"] == request.POST.get("token"):
            try:
                created = services.pupil_import_commit(
                    by=request.membership, school=school, text=stored["text"]
                )
            except DomainError as error:
                _show_error(request, error)
            else:
                del request.session[IMPORT_SESSION_KEY]
                messages.success(request, f"Imported {len(created)} pupils into {school}.")
                return redirect("placements:pupil_list")
        upload = form.cleaned_data.get("file")
        if upload is None:
            form.add_error("file", "Choose the CSV file to import.")
        else:
            raw = upload.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
            preview, problems = parse_pupil_csv(
                text, existing_upns=set(Pupil.objects.values_list("upn", flat=True))
            )
            token = secrets.token_urlsafe(16)
            request.session[IMPORT_SESSION_KEY] = {"token": token, "text": text}
            return render(
                request,
                "placements/pupil_import.html",
                {"form": form, "preview": preview, "problems": problems, "token": token, "school": school},
            )
    return render(
        request, "placements/pupil_import.html", {"form": form, "preview": preview, "problems": problems}
    )


# ---------------------------------------------------------------------------------------------------------
# Placements: list, create, detail, edit


@member_required(*PLACEMENT_READERS)
def placement_list(request):
    queryset = selectors.placement_list(request.membership)
    filterset = forms.PlacementFilter(request.GET or None, queryset=queryset, membership=request.membership)
    placements = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    page = Paginator(placements, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "placements/placement_list.html",
        {
            "filter": filterset,
            "page": page,
            "can_edit": request.membership.role in EDITORS,
            "can_export": request.membership.role in EDITORS,
        },
    )


@member_required(*EDITORS)
def placement_create(request):
    initial = {}
    if request.GET.get("pupil", "").isdigit():
        initial["pupil"] = request.GET["pupil"]
    form = forms.PlacementForm(request.POST or None, initial=initial, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in forms.PLACEMENT_FORM_FIELDS}
        try:
            placement = services.placement_create(
                by=request.membership,
                pupil=form.cleaned_data["pupil"],
                provider=form.cleaned_data["provider"],
                **data,
            )
        except DomainError as error:
            _show_error(request, error, form)
        else:
            messages.success(request, "Draft placement created. Set the timetable next.")
            return redirect("placements:placement_timetable", placement_pk=placement.pk)
    return render(request, "placements/form.html", {"form": form, "title": "New placement"})


@member_required(*PLACEMENT_READERS)
def placement_detail(request, placement_pk):
    placement = _placement(request, placement_pk)
    membership = request.membership
    is_provider = membership.role == Role.PROVIDER_STAFF
    # The page shows the pupil, so every view is logged, the provider's staff's too.
    access_log_record(request=request, subject=placement.pupil, subject_type="pupil", school=placement.school)
    context = {
        "placement": placement,
        "pupil": placement.pupil,
        "sessions": placement.sessions.all(),
        "is_provider": is_provider,
        "can_edit": membership.role in EDITORS and placement.status != Placement.Status.ENDED,
        "can_agree": membership.role == Role.HEADTEACHER and placement.status == Placement.Status.PROPOSED,
        "can_report": membership.role in REPORTERS and placement.status in Placement.COMMITTED_STATUSES,
        "show_sensitive": membership.role in SENSITIVE_DATA_ROLES,
        "education": selectors.weekly_education(placement),
        "others": selectors.other_current_placements(placement),
        "plan": Plan.objects.filter(placement=placement).prefetch_related("targets").first(),
        "reviews": placement.reviews.all(),
        "provider_reports": placement.provider_reports.select_related("written_by"),
        "incidents": placement.incidents.all(),
        "today": timezone.localdate(),
        "costs": selectors.cost_parts(placement),
        "panels": placement_panels(request, placement),
    }
    if not is_provider:
        context.update(
            {
                "gates": selectors.placement_gates(placement),
                "consents": placement.consents.select_related("carer"),
                "la_agreements": placement.la_agreements.all(),
                "sla_versions": placement.sla_versions.defer("pdf", "signed_pdf", "snapshot"),
                "sla_current": selectors.sla_is_current(selectors.latest_sla(placement), placement),
                "notices": placement.notices.defer("pdf", "contents"),
                "outcome": getattr(placement, "outcome", None)
                if placement.status == Placement.Status.ENDED
                else None,
            }
        )
        context["blocking"] = [g for g in context["gates"] if g.blocking and not g.met]
    return render(request, "placements/placement_detail.html", context)


@member_required(*EDITORS)
def placement_edit(request, placement_pk):
    placement = _placement(request, placement_pk)
    form = forms.PlacementForm(request.POST or None, instance=placement, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in forms.PLACEMENT_FORM_FIELDS}
        if placement.is_open:
            data["provider"] = form.cleaned_data["provider"]
        try:
            services.placement_update(
                by=request.membership, placement=Placement.objects.get(pk=placement.pk), **data
            )
        except DomainError as error:
            _show_error(request, error, form)
        else:
            messages.success(request, "Placement saved.")
            return _detail(placement)
    return render(
        request, "placements/form.html", {"form": form, "title": f"Edit the placement of {placement.pupil}"}
    )


@member_required(*EDITORS)
def placement_timetable(request, placement_pk):
    placement = _placement(request, placement_pk)
    formset = forms.SessionFormSet(request.POST or None, initial=forms.timetable_initial(placement))
    if request.method == "POST" and formset.is_valid():
        sessions = [
            {k: f.cleaned_data[k] for k in ("weekday", "session", "start_time", "end_time")}
            for f in formset
            if f.cleaned_data.get("attends")
        ]
        try:
            services.timetable_set(by=request.membership, placement=placement, sessions=sessions)
        except DomainError as error:
            _show_error(request, error)
        else:
            messages.success(request, "Timetable saved.")
            return _detail(placement)
    return render(request, "placements/timetable.html", {"placement": placement, "formset": formset})


def _transition(request, placement_pk, action, done):
    placement = _placement(request, placement_pk)
    try:
        action(by=request.membership, placement=placement)
    except DomainError as error:
        _show_error(request, error)
    else:
        messages.success(request, done)
    return _detail(placement)


@member_required(*EDITORS)
@require_POST
def placement_propose(request, placement_pk):
    return _transition(
        request, placement_pk, services.placement_propose, "Proposed: the provider can now see it."
    )


@member_required(Role.HEADTEACHER)
@require_POST
def placement_agree(request, placement_pk):
    return _transition(request, placement_pk, services.placement_agree, "You agreed the placement.")


@member_required(*EDITORS)
@require_POST
def placement_activate(request, placement_pk):
    return _transition(request, placement_pk, services.placement_activate, "The placement is now active.")


@member_required(*EDITORS)
def placement_end(request, placement_pk):
    placement = _placement(request, placement_pk)
    plan = Plan.objects.filter(placement=placement).first()
    targets = list(plan.targets.all()) if plan else []
    form = forms.EndForm(request.POST or None, targets=targets, initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.placement_end(
                by=request.membership,
                placement=placement,
                ended_on=form.cleaned_data["ended_on"],
                ended_outcome=form.cleaned_data["ended_outcome"],
                ended_reason=form.cleaned_data["ended_reason"],
                outcome=form.outcome_data(),
                target_outcomes=form.target_outcomes(),
            )
        except DomainError as error:
            _show_error(request, error, form)
        else:
            messages.success(request, "The placement has ended and its outcome is recorded.")
            return _detail(placement)
    return render(request, "placements/end.html", {"form": form, "placement": placement})


# ---------------------------------------------------------------------------------------------------------
# Steps before agreement


@member_required(*EDITORS)
def consent_record(request, placement_pk):
    placement = _placement(request, placement_pk)
    form = forms.ConsentForm(request.POST or None, placement=placement)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            _show_error(request, error, form)
        else:
            messages.success(request, "Recorded.")
            return _detail(placement)
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


@member_required(*EDITORS)
def la_agreement_record(request, placement_pk):
    placement = _placement(request, placement_pk)
    form = forms.LAAgreementForm(
        request.POST or None,
        initial={"local_authority": placement.pupil.responsible_la or placement.school.local_authority},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.la_agreement_record(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            _show_error(request, error, form)
        else:
            messages.success(request, "Local authority agreement recorded.")
            return _detail(placement)
    return render(
        request,
        "placements/form.html",
        {"form": form, "title": "Record the local authority's agreement", "placement": placement},
    )


@member_required(*EDITORS)
def plan_edit(request, placement_pk):
    placement = _placement(request, placement_pk)
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
            services.plan_save(
                by=request.membership, placement=placement, targets=targets, **form.cleaned_data
            )
        except DomainError as error:
            _show_error(request, error)
        else:
            messages.success(request, "Plan saved.")
            return _detail(placement)
    return render(request, "placements/plan.html", {"form": form, "formset": formset, "placement": placement})


@member_required(*EDITORS)
def checks_edit(request, placement_pk):
    placement = _placement(request, placement_pk)
    form = forms.ChecksForm(request.POST or None, instance=placement)
    if request.method == "POST" and form.is_valid():
        try:
            services.checks_record(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            _show_error(request, error, form)
        else:
            messages.success(request, "Saved.")
            return _detail(placement)
    return render(
        request,
        "placements/form.html",
        {"form": form, "title": "Risk assessment and local authority", "placement": placement},
    )


# ---------------------------------------------------------------------------------------------------------
# SLA and notice


@member_required(*EDITORS)
@require_POST
def sla_build(request, placement_pk):
    placement = _placement(request, placement_pk)
    try:
        version = services.sla_build_version(by=request.membership, placement=placement)
    except DomainError as error:
        _show_error(request, error)
        return _detail(placement)
    messages.success(request, f"SLA version {version.number} is ready to sign.")
    return redirect("placements:sla_sign", sla_pk=version.pk)


@member_required(*EDITORS)
def sla_sign(request, sla_pk):
    version = get_visible_or_404(
        SLAVersion.objects.select_related("placement__pupil", "placement__provider").defer(
            "pdf", "signed_pdf"
        ),
        request.membership,
        pk=sla_pk,
    )
    placement = version.placement
    side = "school" if not version.school_signed_at else "provider"
    form = forms.SLASignForm(request.POST or None, initial={"side": side})
    if request.method == "POST" and form.is_valid():
        try:
            services.sla_sign(
                by=request.membership,
                version=version,
                side=form.cleaned_data["side"],
                signatory_name=form.cleaned_data["signatory_name"],
                signatory_role=form.cleaned_data["signatory_role"],
            )
        except DomainError as error:
            _show_error(request, error)
        else:
            messages.success(request, "Signature recorded.")
            version.refresh_from_db()
            if version.fully_signed:
                return _detail(placement)
            return redirect("placements:sla_sign", sla_pk=version.pk)
    return render(
        request, "placements/sla_sign.html", {"form": form, "version": version, "placement": placement}
    )


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(bytes(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@member_required(*PUPIL_READERS)
def sla_pdf(request, sla_pk):
    version = get_visible_or_404(
        SLAVersion.objects.select_related("placement__pupil"), request.membership, pk=sla_pk
    )
    signed = version.signed_pdf is not None and bool(version.signed_pdf)
    data = version.signed_pdf if signed else version.pdf
    suffix = "signed" if signed else "to-sign"
    return _pdf(data, f"sla-{version.placement_id}-v{version.number}-{suffix}.pdf")


@member_required(*EDITORS)
def notice_issue(request, placement_pk):
    placement = _placement(request, placement_pk)
    carers = ", ".join(c.name for c in placement.pupil.carers.filter(has_parental_responsibility=True))
    form = forms.NoticeForm(
        request.POST or None,
        initial={
            "notice_date": timezone.localdate(),
            "recipients": carers,
            "report_to": placement.provider_contact,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_notice_issue(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            _show_error(request, error, form)
        else:
            messages.success(request, "Notice issued: download it and give it to the parents.")
            return _detail(placement)
    return render(
        request,
        "placements/form.html",
        {
            "form": form,
            "title": "Off-site direction: notice to parents",
            "placement": placement,
            "hint": "The notice must reach the parents at least two school days before the placement starts.",
        },
    )


@member_required(*PUPIL_READERS)
def notice_pdf(request, notice_pk):
    notice = get_visible_or_404(ReferralNotice.objects, request.membership, pk=notice_pk)
    return _pdf(notice.pdf, f"offsite-direction-notice-{notice.placement_id}-{notice.notice_date}.pdf")


# ---------------------------------------------------------------------------------------------------------
# Reviews, reports, incidents


@member_required(*EDITORS)
def review_schedule(request, placement_pk):
    placement = _placement(request, placement_pk)
    form = forms.ReviewScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_schedule(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            _show_error(request, error, form)
        else:
            messages.success(request, "Review scheduled.")
            return _detail(placement)
    return render(
        request, "placements/form.html", {"form": form, "title": "Schedule a review", "placement": placement}
    )


@member_required(*EDITORS)
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
            services.review_record(
                by=request.membership,
                review=Review.objects.get(pk=review.pk),
                held_on=form.cleaned_data["held_on"],
                next_review_date=form.cleaned_data["next_review_date"],
                progress=form.progress(),
                **data,
            )
        except DomainError as error:
            _show_error(request, error)
        else:
            messages.success(request, "Review recorded.")
            return _detail(placement)
    return render(request, "placements/review.html", {"form": form, "review": review, "placement": placement})


@member_required(*REPORTERS)
def provider_report_create(request, placement_pk):
    placement = _placement(request, placement_pk)
    form = forms.ProviderReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_report_record(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            _show_error(request, error, form)
        else:
            messages.success(request, "Progress report saved.")
            return _detail(placement)
    return render(
        request,
        "placements/form.html",
        {"form": form, "title": "Half-termly progress report", "placement": placement},
    )


@member_required(*REPORTERS)
def incident_create(request, placement_pk):
    placement = _placement(request, placement_pk)
    form = forms.IncidentForm(
        request.POST or None, initial={"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_record(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            _show_error(request, error, form)
        else:
            messages.success(request, "Incident recorded; the school has it.")
            return _detail(placement)
    return render(
        request,
        "placements/form.html",
        {"form": form, "title": "Report a behaviour incident", "placement": placement},
    )


# ---------------------------------------------------------------------------------------------------------
# Census export


@member_required(*EDITORS)
def census_export(request):
    """Placements as the School Census AP module asks for them, for the schools the person can see."""
    queryset = (
        selectors.placement_list(request.membership)
        .exclude(status__in=[Placement.Status.DRAFT, Placement.Status.PROPOSED])
        .order_by("school__urn", "pupil__legal_last_name", "start_date")
    )
    rows = selectors.census_rows(queryset)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(selectors.CENSUS_COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ap-census-{timezone.localdate():%Y-%m-%d}.csv"'
    return response
