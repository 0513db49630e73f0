"""The service level agreement: the frozen data it states, its versions, the two signatures and its PDFs.

Building and signing are two-phase: inside the transaction the placement (or version) is locked, checked and
its data frozen; the PDF is rendered from that frozen data after the commit, so no lock waits on WeasyPrint."""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from placements import rules
from placements.agreements.documents import render_sla_pdf
from placements.common import require_school_side_of
from placements.models import Placement, SLAVersion
from trusts.errors import DomainError


def sla_snapshot(placement) -> dict:
    """Everything the SLA says, as plain data. A version freezes this; a change here after signing means the
    signed version no longer describes the placement."""
    policy = placement.trust.policy
    school, provider, pupil = placement.school, placement.provider, placement.pupil
    sessions = list(placement.sessions.all())
    hours = rules.weekly_hours(sessions)

    def money(value):
        return None if value is None else f"{value:.2f}"

    return {
        "school": {
            "name": school.name,
            "urn": school.urn,
            "address": school.address,
            "local_authority": school.local_authority,
        },
        "provider": {
            "name": provider.legal_name,
            "trading_name": provider.trading_name,
            "address": provider.address,
            "postcode": provider.postcode,
            "registration": provider.get_registration_status_display(),
            "urn": provider.urn,
            "ukprn": provider.ukprn,
        },
        "pupil": {
            "name": pupil.legal_name,
            "date_of_birth": pupil.date_of_birth.isoformat(),
            "year_group": pupil.get_year_group_display(),
            "upn": pupil.upn,
        },
        "reason": placement.get_reason_display(),
        "curriculum": placement.curriculum,
        "start_date": placement.start_date.isoformat(),
        "planned_end_date": placement.planned_end_date.isoformat() if placement.planned_end_date else None,
        "part_time_review_date": (
            placement.part_time_review_date.isoformat() if placement.part_time_review_date else None
        ),
        "hours_per_week": rules.fmt_hours(hours),
        "full_time": rules.is_full_time(hours, policy),
        "sessions": [
            {
                "weekday": s.get_weekday_display(),
                "session": s.get_session_display(),
                "start": f"{s.start_time:%H:%M}",
                "end": f"{s.end_time:%H:%M}",
            }
            for s in sessions
        ],
        "costs": {
            "per_session": money(placement.cost_per_session),
            "per_week": money(placement.cost_per_week),
            "registration": money(placement.registration_cost),
            "extra": money(placement.extra_costs),
            "extra_detail": placement.extra_costs_detail,
            "payment_terms": placement.payment_terms,
        },
        "transport": placement.get_transport_display() if placement.transport else "",
        "transport_detail": placement.transport_detail,
        "meal_arrangement": placement.meal_arrangement,
        "contacts": {
            "school_main": placement.school_main_contact,
            "school_attendance": placement.school_attendance_contact,
            "school_dsl": placement.school_dsl_contact,
            "school_senco": placement.school_senco_contact,
            "provider": placement.provider_contact,
            "provider_dsl": provider.dsl_name,
        },
        "policy": {
            "absence_report_minutes": policy.register_mark_deadline_minutes,
            "review_interval_weeks": policy.review_interval_weeks,
            "emergency_review_incidents": policy.emergency_review_incident_count,
            "parent_review_termly": policy.parent_review_termly,
        },
    }


def fingerprint(snapshot: dict) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, default=str).encode()).hexdigest()


def latest_sla(placement) -> SLAVersion | None:
    return (
        SLAVersion.objects.filter(placement=placement).defer("pdf", "signed_pdf").order_by("-number").first()
    )


def sla_is_current(version, placement) -> bool:
    return (
        version is not None
        and version.superseded_at is None
        and version.fingerprint == fingerprint(sla_snapshot(placement))
    )


def sla_mark_if_outdated(placement) -> bool:
    """A change to the placement after an SLA version was built leaves that version describing something
    else: mark it superseded (the gate also compares fingerprints, so edits made elsewhere are caught too)."""
    version = (
        SLAVersion.objects.filter(placement=placement, superseded_at__isnull=True)
        .defer("pdf", "signed_pdf")
        .order_by("-number")
        .first()
    )
    if version is None:
        return False
    placement = Placement.objects.select_related("school", "provider", "pupil", "trust__policy").get(
        pk=placement.pk
    )
    if version.fingerprint == fingerprint(sla_snapshot(placement)):
        return False
    SLAVersion.objects.filter(pk=version.pk).update(superseded_at=timezone.now())
    return True


def sla_build_version(*, by, placement) -> SLAVersion:
    """A new SLA version from the placement as it stands, its data frozen under the placement's lock; the PDF
    is rendered once the version has committed (``sla_documents_render``). If the newest version still
    matches the placement it is returned unchanged."""
    require_school_side_of(by, placement, "sla.build")
    with transaction.atomic():
        Placement.objects.select_for_update().get(pk=placement.pk)
        placement = Placement.objects.select_related("school", "provider", "pupil", "trust__policy").get(
            pk=placement.pk
        )
        if placement.status == Placement.Status.ENDED:
            raise DomainError("This placement has ended.")
        if not placement.sessions.exists():
            raise DomainError("Add the timetable first: the SLA states the sessions and hours.")
        snapshot = sla_snapshot(placement)
        print_ = fingerprint(snapshot)
        latest = (
            SLAVersion.objects.filter(placement=placement)
            .defer("pdf", "signed_pdf")
            .order_by("-number")
            .first()
        )
        if latest is not None and latest.superseded_at is None and latest.fingerprint == print_:
            return latest
        SLAVersion.objects.filter(placement=placement, superseded_at__isnull=True).update(
            superseded_at=timezone.now()
        )
        version = SLAVersion.objects.create(
            trust_id=placement.trust_id,
            placement=placement,
            number=(latest.number + 1) if latest else 1,
            snapshot=snapshot,
            fingerprint=print_,
            pdf=b"",
            created_by=by.user,
        )
    _render_after_commit(version)
    return version


def _signature(name, role, at):
    return {"name": name, "role": role, "at": timezone.localtime(at).strftime("%d %B %Y at %H:%M")}


def sla_sign(*, by, version, side: str, signatory_name: str, signatory_role: str) -> SLAVersion:
    """Record one side's signature. A signature on a version that no longer matches the placement is refused.
    When the second side signs, the signed PDF is rendered once from the frozen data and kept."""
    placement = version.placement
    require_school_side_of(by, placement, "sla.sign")
    if side not in ("school", "provider"):
        raise DomainError("Sign for the school or for the provider.")
    problems = []
    if not signatory_name.strip():
        problems.append("Give the name of the person signing.")
    if not signatory_role.strip():
        problems.append("Give the role of the person signing.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    with transaction.atomic():
        version = SLAVersion.objects.select_for_update().get(pk=version.pk)
        placement = Placement.objects.select_related("school", "provider", "pupil", "trust__policy").get(
            pk=version.placement_id
        )
        newest = (
            SLAVersion.objects.filter(placement=placement)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        if (
            version.superseded_at is not None
            or version.number != newest
            or version.fingerprint != fingerprint(sla_snapshot(placement))
        ):
            if version.superseded_at is None:
                SLAVersion.objects.filter(pk=version.pk).update(superseded_at=timezone.now())
            raise DomainError(
                f"SLA version {version.number} is out of date: the placement changed after it was built. Build "
                "a new version and sign that."
            )
        if placement.status == Placement.Status.ENDED:
            raise DomainError("This placement has ended.")
        now = timezone.now()
        if getattr(version, f"{side}_signed_at"):
            raise DomainError(f"The {side} has already signed version {version.number}.")
        setattr(version, f"{side}_signatory_name", signatory_name.strip())
        setattr(version, f"{side}_signatory_role", signatory_role.strip())
        setattr(version, f"{side}_signed_at", now)
        setattr(version, f"{side}_signed_by", by.user)
        version.save()
    if version.fully_signed:
        _render_after_commit(version)
    return version


def _signatures(version) -> dict:
    return {
        side: _signature(
            getattr(version, f"{side}_signatory_name"),
            getattr(version, f"{side}_signatory_role"),
            getattr(version, f"{side}_signed_at"),
        )
        for side in ("school", "provider")
    }


def _render_after_commit(version) -> None:
    trust_id, version_pk = version.trust_id, version.pk
    transaction.on_commit(lambda: sla_documents_render(trust_id=trust_id, version_pk=version_pk))


def sla_documents_render(*, trust_id: int, version_pk: int) -> SLAVersion:
    """The second phase of building and signing: render the PDFs the version is missing from its frozen data
    and store them, outside any lock. The copy to sign is rendered once; the signed copy once both sides have
    signed, and never again (the conditional update keeps the first one stored)."""
    with scope(trust=trust_id):
        version = SLAVersion.objects.get(pk=version_pk)
        if not version.pdf:
            data = render_sla_pdf(snapshot=version.snapshot, number=version.number)
            SLAVersion.objects.filter(pk=version_pk, pdf=b"").update(pdf=data)
        if version.fully_signed and version.signed_pdf is None:
            data = render_sla_pdf(
                snapshot=version.snapshot, number=version.number, signatures=_signatures(version)
            )
            SLAVersion.objects.filter(pk=version_pk, signed_pdf__isnull=True).update(signed_pdf=data)
        return SLAVersion.objects.get(pk=version_pk)
