"""The SLA and the off-site direction notice: building, signing, issuing and downloading them."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from placements import forms
from placements.agreements import notice, sla
from placements.agreements.notice import notice_document_render
from placements.models import ReferralNotice, SLAVersion
from placements.views.common import get_placement, pdf_response, show_error, to_detail
from trusts.access import get_visible_or_404
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
    return redirect("placements:sla_sign", sla_pk=version.pk)


@permission_required("sla.sign")
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
            sla.sla_sign(
                by=request.membership,
                version=version,
                side=form.cleaned_data["side"],
                signatory_name=form.cleaned_data["signatory_name"],
                signatory_role=form.cleaned_data["signatory_role"],
            )
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, "Signature recorded.")
            version.refresh_from_db()
            if version.fully_signed:
                return to_detail(placement)
            return redirect("placements:sla_sign", sla_pk=version.pk)
    return render(
        request, "placements/sla_sign.html", {"form": form, "version": version, "placement": placement}
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
