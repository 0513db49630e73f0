"""The SLA and the off-site direction notice: building, signing, issuing and downloading them."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from placements import forms
from placements.agreements import (
    attachments,
    first_weeks,
    notice,
    referral,
    referral_form,
    sla,
    suspension,
)
from placements.agreements.documents import render_referral_form_pdf, render_suspension_notice_pdf
from placements.agreements.notice import notice_document_render
from placements.models import (
    Attachment,
    HomeSchoolAgreement,
    Placement,
    Pupil,
    ReferralNotice,
    SLAVersion,
    SuspensionNotice,
)
from placements.views.common import get_placement, pdf_response, show_error, to_detail
from trusts.access import get_visible_or_404
from trusts.calendar import CalendarError
from trusts.errors import DomainError
from trusts.permissions import permission_required


@permission_required("sla.build")
@require_POST
def sla_build(request, placement_pk):
    placement = get_placement(request, placement_pk)
    try:
        version = sla.sla_build_version(by=request.membership, placement=placement)
    except DomainError as error:
        show_error(request, error)
        return to_detail(placement)
    messages.success(request, f"SLA version {version.number} is ready to sign.")
    return redirect("placements:sla_history", placement_pk=placement.pk)


def _sign(request, sla_pk, side: str):
    """The sign page for one side: the version to read, what changed since the version before, and one
    button that signs it as the signed-in person (name, role and time from the account)."""
    version = get_visible_or_404(
        SLAVersion.objects.select_related(
            "placement__pupil", "placement__provider", "placement__school"
        ).defer("pdf", "signed_pdf"),
        request.membership,
        pk=sla_pk,
    )
    placement = version.placement
    form = forms.SLASignForm(request.POST or None, initial={"fingerprint": version.fingerprint})
    if request.method == "POST" and form.is_valid():
        try:
            sla.sla_sign(by=request.membership, version=version, fingerprint=form.cleaned_data["fingerprint"])
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, f"You signed version {version.number} for the {side}.")
            return redirect("placements:sla_history", placement_pk=placement.pk)
    previous = (
        SLAVersion.objects.filter(placement=placement, number__lt=version.number)
        .defer("pdf", "signed_pdf")
        .order_by("-number")
        .first()
    )
    return render(
        request,
        "placements/sla_sign.html",
        {
            "form": form,
            "version": version,
            "placement": placement,
            "side": side,
            "problem": sla.signing_problem(request.membership, placement),
            "current": sla.sla_is_current(version, placement) and sla.latest_sla(placement).pk == version.pk,
            "changes": sla.sla_differences(previous.snapshot, version.snapshot) if previous else None,
            "previous": previous,
        },
    )


@permission_required("sla.sign_for_school")
def sla_sign_school(request, sla_pk):
    return _sign(request, sla_pk, "school")


@permission_required("sla.sign_for_provider")
def sla_sign_provider(request, sla_pk):
    return _sign(request, sla_pk, "provider")


@permission_required("sla.read")
def sla_history(request, placement_pk):
    """The agreement's audit trail: every version, its fingerprint, who signed it for each side, in what role
    and when, and what changed from the version before."""
    placement = get_placement(request, placement_pk)
    history = sla.sla_history(placement)
    current = history[0]["version"] if history else None
    return render(
        request,
        "placements/sla_history.html",
        {
            "placement": placement,
            "history": history,
            "sign_side": sla.signing_side(request.membership),
            "can_sign": sla.signing_problem(request.membership, placement) is None,
            "current": current,
            "current_ok": sla.sla_is_current(current, placement),
        },
    )


@permission_required("referral.respond")
def referral_respond(request, placement_pk):
    """The provider's staff read the referral (what the school chose to share) and accept it, with a start
    date and a key worker, or decline it with a reason."""
    placement = get_placement(request, placement_pk)
    decision = request.POST.get("decision") if request.method == "POST" else None
    accept_form = forms.ReferralAcceptForm(
        request.POST if decision == "accept" else None,
        initial={"start_date": placement.start_date, "key_worker": request.user.get_full_name()},
    )
    decline_form = forms.ReferralDeclineForm(request.POST if decision == "decline" else None)
    try:
        if decision == "accept" and accept_form.is_valid():
            referral.referral_accept(by=request.membership, placement=placement, **accept_form.cleaned_data)
            messages.success(request, "You accepted the referral: the school has been told.")
            return to_detail(placement)
        if decision == "decline" and decline_form.is_valid():
            referral.referral_decline(by=request.membership, placement=placement, **decline_form.cleaned_data)
            messages.success(request, "You declined the referral: the school has been told.")
            return redirect("placements:placement_list")
    except DomainError as error:
        show_error(request, error, accept_form if decision == "accept" else decline_form)
        placement = get_placement(request, placement_pk)
    return render(
        request,
        "placements/referral_respond.html",
        {
            "placement": placement,
            "pupil": placement.pupil,
            "sessions": placement.sessions.all(),
            "accept_form": accept_form,
            "decline_form": decline_form,
            "awaiting": placement.status == Placement.Status.PROPOSED and not placement.provider_response,
        },
    )


@permission_required("sla.read")
def sla_pdf(request, sla_pk):
    version = get_visible_or_404(
        SLAVersion.objects.select_related("placement__pupil"), request.membership, pk=sla_pk
    )
    if not version.pdf or (version.fully_signed and version.signed_pdf is None):
        # Rendered after the commit that froze it; if that did not happen (the process stopped), now.
        version = sla.sla_documents_render(trust_id=version.trust_id, version_pk=version.pk)
    signed = version.fully_signed
    data = version.signed_pdf if signed else version.pdf
    suffix = "signed" if signed else "to-sign"
    return pdf_response(data, f"sla-{version.placement_id}-v{version.number}-{suffix}.pdf")


@permission_required("notice.issue")
def notice_issue(request, placement_pk):
    placement = get_placement(request, placement_pk)
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
            notice.referral_notice_issue(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "Notice issued: download it and give it to the parents.")
            return to_detail(placement)
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


@permission_required("notice.read")
def notice_pdf(request, notice_pk):
    notice = get_visible_or_404(ReferralNotice.objects, request.membership, pk=notice_pk)
    if not notice.pdf:
        notice = notice_document_render(trust_id=notice.trust_id, notice_pk=notice.pk)
    return pdf_response(
        notice.pdf, f"offsite-direction-notice-{notice.placement_id}-{notice.notice_date}.pdf"
    )


@permission_required("attachment.upload")
def attachment_upload(request, placement_pk):
    placement = get_placement(request, placement_pk)
    form = forms.AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            attachments.attachment_upload(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            for problem in error.problems:
                form.add_error(error.field if error.field in form.fields else None, problem)
        else:
            messages.success(request, "The document is saved.")
            return to_detail(placement)
    return render(
        request,
        "placements/form.html",
        {"form": form, "title": "Add a document", "placement": placement},
    )


@permission_required("attachment.read")
def attachment_download(request, attachment_pk):
    attachment = get_visible_or_404(Attachment.objects, request.membership, pk=attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    extension = attachment.file.name.rsplit(".", 1)[-1]
    stem = slugify(attachment.original_name.rsplit(".", 1)[0]) or "document"
    response = FileResponse(
        handle, as_attachment=True, filename=f"{stem}.{extension}", content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _record(request, placement_pk, *, form_class, service, title, done, initial=None, hint=""):
    placement = get_placement(request, placement_pk)
    form = form_class(request.POST or None, initial=initial or {"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            service(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, done)
            return to_detail(placement)
    return render(
        request, "placements/form.html", {"form": form, "title": title, "placement": placement, "hint": hint}
    )


@permission_required("setup_meeting.record")
def setup_meeting_record(request, placement_pk):
    return _record(
        request,
        placement_pk,
        form_class=forms.SetupMeetingForm,
        service=first_weeks.setup_meeting_record,
        title="The set-up meeting",
        done="Set-up meeting recorded.",
        initial={"held_on": timezone.localdate()},
    )


@permission_required("initial_assessment.record")
def initial_assessment_record(request, placement_pk):
    return _record(
        request,
        placement_pk,
        form_class=forms.InitialAssessmentForm,
        service=first_weeks.initial_assessment_record,
        title="The initial assessment",
        done="Initial assessment recorded.",
        initial={"assessed_on": timezone.localdate()},
        hint="Due within a week of the start.",
    )


@permission_required("home_school.record")
def home_school_record(request, placement_pk):
    placement = get_placement(request, placement_pk)
    carers = ", ".join(c.name for c in placement.pupil.carers.filter(has_parental_responsibility=True))
    return _record(
        request,
        placement_pk,
        form_class=forms.HomeSchoolAgreementForm,
        service=first_weeks.home_school_agreement_record,
        title="The home/school agreement",
        done="Home/school agreement recorded: print it for everyone who agreed.",
        initial={
            "agreed_on": timezone.localdate(),
            "carers": carers,
            "school_name": request.user.get_full_name(),
            "provider_name": placement.key_worker or placement.provider.contact_name,
        },
        hint="Recorded once the parents or carers, the pupil, the school and the provider have all agreed.",
    )


@permission_required("home_school.read")
def home_school_pdf(request, home_school_pk):
    agreement = get_visible_or_404(HomeSchoolAgreement.objects, request.membership, pk=home_school_pk)
    return pdf_response(
        first_weeks.home_school_pdf(agreement),
        f"home-school-agreement-{agreement.placement_id}-{agreement.agreed_on}.pdf",
    )


@permission_required("suspension.record")
def suspension_record(request, pupil_pk):
    """Record a suspension; the page shows the pupil's current run of suspension days and, past five, the
    day provision must start."""
    pupil = get_visible_or_404(Pupil.objects.select_related("school"), request.membership, pk=pupil_pk)
    form = forms.SuspensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            suspension.suspension_record(by=request.membership, pupil=pupil, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "Suspension recorded.")
            return redirect("placements:suspension_record", pupil_pk=pupil.pk)
    try:
        provision = suspension.suspension_provision(pupil)
    except (ValueError, CalendarError):
        provision = None
    return render(
        request,
        "placements/suspensions.html",
        {"form": form, "pupil": pupil, "suspensions": pupil.suspensions.all(), "provision": provision},
    )


@permission_required("notice.issue")
def suspension_notice_issue(request, placement_pk):
    placement = get_placement(request, placement_pk)
    form = forms.SuspensionNoticeForm(
        request.POST or None, initial={"report_to": placement.key_worker or placement.provider_contact}
    )
    if request.method == "POST" and form.is_valid():
        try:
            suspension.suspension_notice_issue(
                by=request.membership, placement=placement, **form.cleaned_data
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(
                request, "Notice issued, and the placement set for that date: give the notice to the parents."
            )
            return to_detail(placement)
    return render(
        request,
        "placements/form.html",
        {
            "form": form,
            "title": "Suspension: notice to parents of the provision",
            "placement": placement,
            "hint": "The parents must have it at least 48 hours before the provision starts.",
        },
    )


@permission_required("notice.read")
def suspension_notice_pdf(request, suspension_notice_pk):
    notice = get_visible_or_404(SuspensionNotice.objects, request.membership, pk=suspension_notice_pk)
    return pdf_response(
        render_suspension_notice_pdf(contents=notice.contents),
        f"suspension-provision-notice-{notice.placement_id}.pdf",
    )


@permission_required("referral_form.edit")
def referral_form_edit(request, placement_pk):
    """Part A or Part B (``?part=b``) of the referral form; each part is saved on its own."""
    placement = get_placement(request, placement_pk)
    part = "b" if request.GET.get("part") == "b" else "a"
    instance = referral_form.referral_form_of(placement)
    form_class = forms.ReferralPartBForm if part == "b" else forms.ReferralPartAForm
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        names = form_class.Meta.fields
        try:
            referral_form.referral_form_save(
                by=request.membership,
                placement=placement,
                part=part,
                **{n: form.cleaned_data[n] for n in names},
            )
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, f"Part {part.upper()} of the referral form is complete.")
            return to_detail(placement)
    due = referral_form.part_b_due(placement) if part == "b" else referral_form.part_a_due(placement)
    return render(
        request,
        "placements/form.html",
        {
            "form": form,
            "title": f"Referral form, Part {part.upper()}",
            "placement": placement,
            "hint": (
                f"Due {'by the first review, ' if part == 'b' else ''}{due:%d %B %Y}."
                if due
                else "Due by the first review."
            )
            + (
                f" Attendance this year at the placement, from the registers: {referral_form.attendance_this_year(placement)}%."
                if part == "a" and referral_form.attendance_this_year(placement) is not None
                else ""
            ),
        },
    )


@permission_required("referral_form.read")
def referral_form_pdf(request, placement_pk):
    placement = get_placement(request, placement_pk)
    instance = referral_form.referral_form_of(placement)
    return pdf_response(
        render_referral_form_pdf(placement=placement, form=instance), f"referral-form-{placement.pk}.pdf"
    )
