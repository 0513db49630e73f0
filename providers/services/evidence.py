"""Evidence documents: checking their details, storing them, and the trust's verdict on each."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from providers.models import EVIDENCE_TYPES_BY_CODE, Evidence, Provider
from providers.services.staff import is_provider_staff_of
from providers.uploads import UploadRefused, inspect_evidence_file
from trusts.errors import DomainError
from trusts.models import Membership
from trusts.permissions import has_perm, require
from trusts.recipients import alert


def evidence_problems(*, evidence_type, issue_date, expiry_date, insured_amount) -> dict[str, str]:
    """Field problems with an evidence record's details, by field name."""
    problems = {}
    info = EVIDENCE_TYPES_BY_CODE.get(evidence_type)
    if info is None:
        problems["evidence_type"] = "Choose the kind of document."
        return problems
    if issue_date and issue_date > timezone.localdate():
        problems["issue_date"] = "The issue date cannot be in the future: give the date on the document."
    if issue_date and expiry_date and expiry_date <= issue_date:
        problems["expiry_date"] = "The expiry date must be after the issue date."
    if info["has_expiry"] and not expiry_date:
        problems["expiry_date"] = (
            "This kind of document runs out: give its expiry date (for a policy, the date it is due for review)."
        )
    if info["insurance_kind"] and insured_amount is None:
        problems["insured_amount"] = "Give the amount insured, in pounds."
    if insured_amount is not None and insured_amount < 0:
        problems["insured_amount"] = "The amount insured cannot be negative."
    return problems


def evidence_upload(
    *,
    provider: Provider,
    by: Membership,
    evidence_type: str,
    file,
    issue_date: date,
    expiry_date: date | None = None,
    insured_amount: Decimal | None = None,
    title: str = "",
) -> Evidence:
    """Store a document for a provider. A trust admin's upload counts as verified at once; a provider's
    own upload waits until a trust admin has checked it."""
    require(by, "evidence.upload", "You cannot add evidence for this provider.")
    # Whoever may verify evidence verifies their own upload by making it.
    is_admin = has_perm(by, "evidence.verify")
    if not is_admin and not is_provider_staff_of(by, provider):
        raise DomainError("You cannot add evidence for this provider.")
    problems = evidence_problems(
        evidence_type=evidence_type,
        issue_date=issue_date,
        expiry_date=expiry_date,
        insured_amount=insured_amount,
    )
    try:
        extension, content_type = inspect_evidence_file(file)
    except UploadRefused as refused:
        problems["file"] = str(refused)
    if problems:
        first_field = next(iter(problems))
        raise DomainError("The document was not saved.", problems=list(problems.values()), field=first_field)
    if not EVIDENCE_TYPES_BY_CODE[evidence_type]["insurance_kind"]:
        insured_amount = None
    original = (getattr(file, "name", "") or "document").replace("\\", "/").rsplit("/", 1)[-1][:150]
    now = timezone.now()
    evidence = Evidence(
        trust_id=provider.trust_id,
        provider=provider,
        evidence_type=evidence_type,
        title=title,
        issue_date=issue_date,
        expiry_date=expiry_date,
        insured_amount=insured_amount,
        original_name=original,
        content_type=content_type,
        size=file.size,
        uploaded_by=by.user,
        status=Evidence.Status.VERIFIED if is_admin else Evidence.Status.PENDING,
        verified_by=by.user if is_admin else None,
        verified_at=now if is_admin else None,
    )
    with transaction.atomic():
        file.seek(0)
        evidence.file.save(f"upload{extension}", file, save=False)
        try:
            evidence.save()
        except Exception:
            evidence.file.delete(save=False)
            raise
        if not is_admin:
            url = reverse("providers:provider_detail", kwargs={"provider_pk": provider.pk})
            alert(
                kind="providers.evidence_uploaded",
                trust=provider.trust,
                key=f"evidence-uploaded:{evidence.pk}",
                subject=f"{provider}: new evidence to verify",
                body=f"{provider} uploaded '{evidence.type_label}'. Check it and verify it or turn it down.",
                url=f"{url}#evidence",
                provider=provider,
            )
    return evidence


def evidence_verify(*, evidence: Evidence, by: Membership) -> Evidence:
    require(by, "evidence.verify", "Only a trust admin can verify evidence.")
    if evidence.status == Evidence.Status.VERIFIED:
        raise DomainError("This document is already verified.")
    evidence.status = Evidence.Status.VERIFIED
    evidence.status_reason = ""
    evidence.verified_by = by.user
    evidence.verified_at = timezone.now()
    evidence.save(update_fields=["status", "status_reason", "verified_by", "verified_at"])
    return evidence


def evidence_reject(*, evidence: Evidence, by: Membership, reason: str) -> Evidence:
    require(by, "evidence.verify", "Only a trust admin can turn down evidence.")
    if not reason.strip():
        raise DomainError("Say why the document is not accepted.", field="reason")
    evidence.status = Evidence.Status.REJECTED
    evidence.status_reason = reason.strip()[:500]
    evidence.verified_by = by.user
    evidence.verified_at = timezone.now()
    evidence.save(update_fields=["status", "status_reason", "verified_by", "verified_at"])
    return evidence
