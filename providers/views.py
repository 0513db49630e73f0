"""Pages of the provider register. Thin: parse, call a service, render; domain refusals become messages."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from providers import documents, selectors, services
from providers.forms import (
    ApproveForm,
    ChecklistForm,
    ChecklistTemplateForm,
    EvidenceForm,
    ImportForm,
    OptionalReasonForm,
    ProviderFilter,
    ProviderForm,
    ReasonForm,
    StaffAccessForm,
)
from providers.imports import ImportFileError, read_csv, validate_rows
from providers.models import ApprovalCondition, ChecklistTemplate, Evidence, Provider
from providers.standing import standings
from trusts.access import get_visible_or_404
from trusts.csv_import import PendingImport
from trusts.errors import DomainError
from trusts.links import pk_link
from trusts.models import Membership
from trusts.permissions import has_perm, permission_required
from trusts.roles import Role
from trusts.selectors import trust_policy

PAGE_SIZE = 25
IMPORT_SESSION_KEY = "providers_import"


def _provider_or_404(request, provider_pk) -> Provider:
    """The provider, if this person may see it (provider staff: only the provider their membership names);
    anything else looks exactly like a provider that does not exist."""
    return get_visible_or_404(Provider.objects, request.membership, pk=provider_pk)


def _posted(request):
    """(data, files) for a bound form on POST, even an empty one (which must show its errors)."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def _detail_url(provider, tab=""):
    url = reverse("providers:provider_detail", kwargs={"provider_pk": provider.pk})
    return f"{url}#{tab}" if tab else url


def _show_refusal(request, error: DomainError):
    messages.error(request, error.message)
    for problem in error.problems:
        if problem != error.message:
            messages.warning(request, problem)


@permission_required("provider.list")
def provider_list(request):
    queryset = selectors.provider_list(request.membership)
    provider_filter = ProviderFilter(request.GET or None, queryset=queryset)
    page = Paginator(provider_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    detail_url = pk_link("providers:provider_detail", "provider_pk")
    page.object_list = list(page.object_list)
    for p in page.object_list:
        p.url = detail_url(p.pk)
    return render(
        request,
        "providers/provider_list.html",
        {"filter": provider_filter, "page": page, "today": timezone.localdate()},
    )


@permission_required("provider.read_own")
def my_provider(request):
    provider = _provider_or_404(request, request.membership.provider_id)
    return redirect(_detail_url(provider))


@permission_required("provider.edit")
def provider_create(request):
    form = ProviderForm(_posted(request)[0], trust=request.trust)
    if request.method == "POST" and form.is_valid():
        try:
            provider = services.provider_create(
                trust=request.trust, by=request.membership, data=form.cleaned_data
            )
        except DomainError as error:
            _show_refusal(request, error)
        else:
            messages.success(request, f"{provider} is on the register as a draft.")
            return redirect(_detail_url(provider))
    return render(request, "providers/provider_form.html", {"form": form, "provider": None})


@permission_required("provider.edit")
def provider_edit(request, provider_pk):
    provider = _provider_or_404(request, provider_pk)
    form = ProviderForm(_posted(request)[0], instance=provider, trust=request.trust)
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_update(provider=provider, by=request.membership, data=form.cleaned_data)
        except DomainError as error:
            _show_refusal(request, error)
        else:
            messages.success(request, "The provider's details are saved.")
            return redirect(_detail_url(provider))
    return render(request, "providers/provider_form.html", {"form": form, "provider": provider})


@permission_required("provider.read")
def provider_detail(request, provider_pk):
    provider = _provider_or_404(request, provider_pk)
    membership = request.membership
    today = timezone.localdate()
    policy = trust_policy(provider.trust_id)
    context = {
        "provider": provider,
        "policy": policy,
        "standing": standings(
            membership, [provider], today=today, warning_days=policy.evidence_expiry_warning_days
        )[provider.pk],
        "evidence": _with_download_links(selectors.provider_evidence(provider, membership)),
        "today": today,
        "risk_labels": dict(_risk_labels()),
    }
    # The vetting record (checklist, approval, registration rule, staff) is for the school side only.
    if has_perm(membership, "checklist.read"):
        checklist = selectors.current_checklist(provider)
        context.update(
            {
                "checklist_rows": selectors.checklist_rows(checklist) if checklist else [],
                "checklist": checklist,
                "history": selectors.approval_history(provider),
                "conditions": selectors.open_conditions(provider),
                "registration": selectors.provider_registration_status(provider, on=today, policy=policy),
                "problems": (
                    services.approval_problems(provider=provider, on=today)
                    if provider.status not in Provider.APPROVED_STATUSES
                    else []
                ),
                "staff": selectors.provider_staff(provider),
                "former_staff": selectors.provider_former_staff(provider),
                "reason_form": ReasonForm(),
                "note_form": OptionalReasonForm(),
            }
        )
        answered = [a for _, a in context["checklist_rows"] if a and a.answer]
        context["checklist_progress"] = (len(answered), len(context["checklist_rows"]))
    return render(request, "providers/provider_detail.html", context)


def _with_download_links(evidence) -> list[Evidence]:
    download_url = pk_link("providers:evidence_download", "evidence_pk")
    evidence = list(evidence)
    for e in evidence:
        e.download_url = download_url(e.pk)
    return evidence


def _risk_labels():
    from providers.vetting_data import ENVIRONMENT_RISK_CATEGORIES

    return ENVIRONMENT_RISK_CATEGORIES


# --- Evidence -------------------------------------------------------------------------------------------


@permission_required("evidence.upload")
def evidence_upload(request, provider_pk):
    provider = _provider_or_404(request, provider_pk)
    form = EvidenceForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            evidence = services.evidence_upload(
                provider=provider,
                by=request.membership,
                evidence_type=data["evidence_type"],
                file=data["file"],
                issue_date=data["issue_date"],
                expiry_date=data.get("expiry_date"),
                insured_amount=data.get("insured_amount"),
                title=data.get("title", ""),
            )
        except DomainError as error:
            if error.field and error.field in form.fields:
                for problem in error.problems:
                    form.add_error(error.field, problem)
            else:
                _show_refusal(request, error)
        else:
            if evidence.status == Evidence.Status.PENDING:
                messages.success(
                    request, "Thank you. The document is saved and waits for the trust to check it."
                )
            else:
                messages.success(request, "The document is saved and verified.")
            return redirect(_detail_url(provider, "evidence"))
    return render(request, "providers/evidence_form.html", {"form": form, "provider": provider})


@permission_required("evidence.read")
def evidence_download(request, evidence_pk):
    evidence = get_visible_or_404(
        Evidence.objects.select_related("provider"), request.membership, pk=evidence_pk
    )
    _provider_or_404(request, evidence.provider_id)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    extension = evidence.file.name.rsplit(".", 1)[-1]
    stem = slugify(evidence.original_name.rsplit(".", 1)[0]) or "document"
    response = FileResponse(
        handle, as_attachment=True, filename=f"{stem}.{extension}", content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@permission_required("evidence.verify")
@require_POST
def evidence_verify(request, evidence_pk):
    evidence = get_visible_or_404(
        Evidence.objects.select_related("provider"), request.membership, pk=evidence_pk
    )
    try:
        services.evidence_verify(evidence=evidence, by=request.membership)
        messages.success(request, f"{evidence.type_label} is verified.")
    except DomainError as error:
        _show_refusal(request, error)
    return redirect(_detail_url(evidence.provider, "evidence"))


@permission_required("evidence.verify")
@require_POST
def evidence_reject(request, evidence_pk):
    evidence = get_visible_or_404(
        Evidence.objects.select_related("provider"), request.membership, pk=evidence_pk
    )
    form = ReasonForm(request.POST)
    try:
        services.evidence_reject(
            evidence=evidence,
            by=request.membership,
            reason=request.POST.get("reason", "") if form.is_valid() else "",
        )
        messages.success(request, f"{evidence.type_label} is marked as not accepted.")
    except DomainError as error:
        _show_refusal(request, error)
    return redirect(_detail_url(evidence.provider, "evidence"))


# --- Checklist ------------------------------------------------------------------------------------------


@permission_required("checklist.read")
def checklist_answer(request, provider_pk):
    provider = _provider_or_404(request, provider_pk)
    can_edit = has_perm(request.membership, "checklist.answer")
    if request.method == "POST" and not can_edit:
        return HttpResponse("Only a trust admin can answer the vetting checklist.", status=403)
    # A checklist not started yet shows the current template's questions; the first save starts it.
    checklist = selectors.current_checklist(provider)
    if request.method == "POST" and checklist is None:
        checklist = services.provider_checklist_start(provider=provider)
    if checklist is not None:
        rows, template = selectors.checklist_rows(checklist), checklist.template
    elif can_edit:
        template = selectors.checklist_template_shown(provider.trust)
        rows = selectors.unanswered_rows(template, provider)
    else:
        rows, template = [], None
    evidence = list(Evidence.objects.filter(provider=provider).exclude(status=Evidence.Status.REJECTED))
    form = ChecklistForm(_posted(request)[0], rows=rows, evidence=evidence)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.checklist_answers_save(
                checklist=checklist, by=request.membership, answers=form.answers()
            )
        except DomainError as error:
            _show_refusal(request, error)
        else:
            messages.success(
                request, f"Checklist saved ({changed} answer{'s' if changed != 1 else ''} changed)."
            )
            return redirect(_detail_url(provider, "checklist"))
    return render(
        request,
        "providers/checklist_form.html",
        {"provider": provider, "checklist": checklist, "template": template, "form": form},
    )


@permission_required("checklist_template.edit")
def checklist_template_edit(request):
    # Until the trust first changes it, the page shows the default checklist without saving it.
    if request.method == "POST":
        template = services.checklist_template_current(trust=request.trust)
    else:
        template = selectors.checklist_template_shown(request.trust)
    form = ChecklistTemplateForm(_posted(request)[0], template=template)
    if request.method == "POST" and form.is_valid():
        changes, remove, add = form.changes()
        if not (changes or remove or add):
            messages.info(request, "Nothing was changed, so no new version was made.")
            return redirect("providers:checklist_template")
        try:
            new = services.checklist_template_adapt(
                trust=request.trust,
                by=request.membership,
                note=form.cleaned_data["note"],
                changes=changes,
                remove=remove,
                add=add,
            )
        except DomainError as error:
            _show_refusal(request, error)
        else:
            messages.success(
                request,
                f"Version {new.version} of the checklist is now in use. Checklists already started keep "
                "the version they were answered on.",
            )
            return redirect("providers:checklist_template")
    versions = ChecklistTemplate.objects.order_by("-version").select_related("created_by")
    return render(
        request,
        "providers/checklist_template.html",
        {"form": form, "template": template, "versions": versions},
    )


# --- Approval -------------------------------------------------------------------------------------------


@permission_required("provider.approve")
@require_POST
def provider_submit(request, provider_pk):
    provider = _provider_or_404(request, provider_pk)
    form = OptionalReasonForm(request.POST)
    try:
        services.provider_submit(
            provider=provider,
            by=request.membership,
            reason=form.cleaned_data["reason"] if form.is_valid() else "",
        )
        messages.success(request, f"{provider} is submitted for approval.")
    except DomainError as error:
        _show_refusal(request, error)
    return redirect(_detail_url(provider, "approval"))


@permission_required("provider.approve")
def provider_approve(request, provider_pk):
    provider = _provider_or_404(request, provider_pk)
    form = ApproveForm(_posted(request)[0])
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_approve(
                provider=provider,
                by=request.membership,
                approved_until=form.cleaned_data["approved_until"],
                conditions=form.conditions(),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            _show_refusal(request, error)
        else:
            messages.success(request, f"{provider} is {provider.get_status_display().lower()}.")
            return redirect(_detail_url(provider, "approval"))
    return render(
        request,
        "providers/approve_form.html",
        {
            "provider": provider,
            "form": form,
            "problems": services.approval_problems(provider=provider, on=timezone.localdate()),
        },
    )


def _reasoned_action(request, provider_pk, action, done):
    provider = _provider_or_404(request, provider_pk)
    form = ReasonForm(request.POST)
    try:
        action(provider=provider, by=request.membership, reason=form.data.get("reason", ""))
        messages.success(request, f"{provider} is {done}.")
    except DomainError as error:
        _show_refusal(request, error)
    return redirect(_detail_url(provider, "approval"))


@permission_required("provider.approve")
@require_POST
def provider_reject(request, provider_pk):
    return _reasoned_action(request, provider_pk, services.provider_reject, "rejected")


@permission_required("provider.approve")
@require_POST
def provider_suspend(request, provider_pk):
    return _reasoned_action(request, provider_pk, services.provider_suspend, "suspended")


@permission_required("provider.approve")
@require_POST
def condition_met(request, condition_pk):
    condition = get_visible_or_404(
        ApprovalCondition.objects.select_related("provider"), request.membership, pk=condition_pk
    )
    try:
        services.approval_condition_meet(condition=condition, by=request.membership)
        messages.success(request, "The condition is marked as met.")
    except DomainError as error:
        _show_refusal(request, error)
    return redirect(_detail_url(condition.provider, "approval"))


# --- Provider staff -------------------------------------------------------------------------------------


@permission_required("provider_staff.manage")
def staff_add(request, provider_pk):
    provider = _provider_or_404(request, provider_pk)
    form = StaffAccessForm(_posted(request)[0])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        User = get_user_model()
        email = data["email"].lower()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(
                username=email, email=email, first_name=data["first_name"], last_name=data["last_name"]
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
        try:
            services.provider_staff_add(
                provider=provider,
                user=user,
                by=request.membership,
                job_title=data.get("job_title", ""),
                may_sign_agreements=data.get("may_sign_agreements", False),
            )
        except DomainError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request,
                f"{email} can now see {provider}. They set their password with 'Forgotten your password?' "
                "on the sign-in page.",
            )
            return redirect(_detail_url(provider))
    return render(request, "providers/staff_form.html", {"form": form, "provider": provider})


def _staff_or_404(request, staff_pk) -> Membership:
    """A provider-staff membership of a provider this person may see; otherwise 404."""
    membership = (
        Membership.objects.filter(role=Role.PROVIDER_STAFF, pk=staff_pk)
        .select_related("user", "provider", "ended_by")
        .first()
    )
    if membership is None:
        raise Http404("Not found.")
    _provider_or_404(request, membership.provider_id)
    return membership


@permission_required("provider_staff.manage")
@require_POST
def staff_signing(request, staff_pk):
    """Give or take away a member of staff's authority to sign agreements for the provider."""
    membership = _staff_or_404(request, staff_pk)
    may_sign = request.POST.get("may_sign") == "yes"
    try:
        services.provider_staff_signing_set(membership=membership, by=request.membership, may_sign=may_sign)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        name = membership.user.get_full_name() or membership.user.username
        messages.success(
            request,
            f"{name} {'may now sign' if may_sign else 'can no longer sign'} agreements for {membership.provider}.",
        )
    return redirect(_detail_url(membership.provider))


@permission_required("provider_staff.manage")
def staff_remove(request, staff_pk):
    """Confirm, then end a provider-staff member's access: they are signed out at once, and the provider's
    staff history keeps who removed the access and when."""
    membership = _staff_or_404(request, staff_pk)
    provider = membership.provider
    if request.method == "POST":
        try:
            services.provider_staff_remove(membership=membership, by=request.membership)
        except DomainError as error:
            _show_refusal(request, error)
        else:
            person = membership.user.get_full_name() or membership.user.email
            messages.success(request, f"{person} no longer has access to {provider}, from now.")
        return redirect(_detail_url(provider))
    return render(request, "providers/staff_remove.html", {"member": membership, "provider": provider})


# --- PDFs -----------------------------------------------------------------------------------------------


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@permission_required("checklist.read")
def checklist_blank_pdf(request, provider_pk):
    provider = _provider_or_404(request, provider_pk)
    return _pdf_response(
        documents.blank_checklist_pdf(provider), f"vetting-checklist-{slugify(provider.legal_name)}.pdf"
    )


@permission_required("checklist.read")
def checklist_completed_pdf(request, provider_pk):
    provider = _provider_or_404(request, provider_pk)
    return _pdf_response(
        documents.completed_checklist_pdf(provider), f"vetting-record-{slugify(provider.legal_name)}.pdf"
    )


# --- Import ---------------------------------------------------------------------------------------------


@permission_required("provider.import")
def provider_import(request):
    form = ImportForm(*_posted(request))
    rows = None
    if request.method == "POST" and form.is_valid():
        try:
            raw_rows = read_csv(form.cleaned_data["file"].read())
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            rows = validate_rows(trust=request.trust, rows=raw_rows)
            pending = PendingImport(request, IMPORT_SESSION_KEY)
            if not any(r.errors for r in rows):
                pending.keep(raw_rows)
            else:
                pending.drop()
    bad = [r for r in rows or [] if r.errors]
    return render(request, "providers/import.html", {"form": form, "rows": rows, "bad_rows": bad})


@permission_required("provider.import")
@require_POST
def provider_import_confirm(request):
    pending = PendingImport(request, IMPORT_SESSION_KEY)
    rows = pending.take()
    if rows is None:
        messages.error(request, "There is no checked file waiting to be imported. Upload it again.")
        return redirect("providers:provider_import")
    pending.drop()
    try:
        created = services.providers_import_commit(trust=request.trust, by=request.membership, rows=rows)
    except DomainError as error:
        _show_refusal(request, error)
        return redirect("providers:provider_import")
    messages.success(
        request, f"{len(created)} provider{'s' if len(created) != 1 else ''} added to the register as drafts."
    )
    return redirect("providers:provider_list")
