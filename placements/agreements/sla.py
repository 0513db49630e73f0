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
from placements.common import placement_url, require_school_side_of
from placements.models import Placement, SLAVersion
from trusts.errors import DomainError
from trusts.permissions import has_perm
from trusts.recipients import alert
from trusts.roles import Role


def sla_snapshot(placement) -> dict:
    """Everything the SLA says, as plain data. A version freezes this; a change here after signing means the
    signed version no longer describes the placement."""
    policy = placement.trust.policy
    school, provider, pupil = placement.school, placement.provider, placement.pupil
    sessions = list(placement.sessions.all())
    hours = rules.weekly_hours(sessions)

    def money(value):
        return None if value is None else f"{value:.2f}"

    snapshot = {
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
            "per_session": money(
                placement.rate if placement.rate_unit == Placement.RateUnit.SESSION else None
            ),
            "per_week": money(placement.rate if placement.rate_unit == Placement.RateUnit.WEEK else None),
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
    # Added to the agreement later: stated only where recorded, so earlier versions keep their fingerprint.
    if placement.key_worker:
        snapshot["contacts"]["key_worker"] = placement.key_worker
    if placement.outside_age_range_reason:
        snapshot["outside_age_range_reason"] = placement.outside_age_range_reason
    # Day and term rates and the transport cost came later still: the keys appear only where they apply, so a
    # session or weekly rate with no transport cost freezes exactly as it did before.
    if placement.rate is not None and placement.rate_unit in (
        Placement.RateUnit.DAY,
        Placement.RateUnit.TERM,
    ):
        snapshot["costs"][f"per_{placement.rate_unit}"] = money(placement.rate)
    if placement.transport_cost is not None and placement.transport_cost_unit:
        snapshot["costs"]["transport"] = money(placement.transport_cost)
        snapshot["costs"]["transport_paid"] = placement.get_transport_cost_unit_display()
    return snapshot


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
        and version.fingerprint == _fingerprint_of(placement)
    )


def _fingerprint_of(placement) -> str:
    return fingerprint(sla_snapshot(placement))


def sla_mark_if_outdated(placement, *, by=None) -> bool:
    """A change to the placement after an SLA version was built leaves that version describing something
    else: mark it superseded (the gate also compares fingerprints, so edits made elsewhere are caught too).
    If either side had signed it, a new version is built at once for both sides to sign again."""
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
    if version.fingerprint == _fingerprint_of(placement):
        return False
    SLAVersion.objects.filter(pk=version.pk).update(superseded_at=timezone.now())
    if (
        version.school_signed_at or version.provider_signed_at
    ) and placement.status != Placement.Status.ENDED:
        # The version still standing is always the newest (building supersedes every other one).
        _new_version(placement, number=version.number + 1, user=by.user if by else None)
    return True


def _new_version(placement, *, number: int, user) -> SLAVersion:
    """A new version from the placement as it stands (its lock held by the caller); the PDF follows the
    commit. Both sides are asked to sign once the provider can see the placement."""
    snapshot = sla_snapshot(placement)
    version = SLAVersion.objects.create(
        trust_id=placement.trust_id,
        placement=placement,
        number=number,
        snapshot=snapshot,
        fingerprint=fingerprint(snapshot),
        pdf=b"",
        created_by=user,
    )
    if placement.status != Placement.Status.DRAFT:
        alert(
            kind="placements.sla_to_sign",
            trust=placement.trust,
            key=f"sla-to-sign:{version.pk}",
            subject=f"Agreement to sign: {placement.pupil.initials} at {placement.provider}",
            body=(
                f"Version {version.number} of the agreement is ready"
                f"{' (the placement changed after the last version: sign again)' if number > 1 else ''}. "
                "Read it and sign for your side."
            ),
            url=placement_url(placement),
            school=placement.school,
            provider=placement.provider,
        )
    _render_after_commit(version)
    return version


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
        print_ = _fingerprint_of(placement)
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
        version = _new_version(placement, number=(latest.number + 1) if latest else 1, user=by.user)
    return version


def signing_side(by) -> str:
    """The side ``by`` signs for: their own, never the other."""
    return "provider" if by.provider_id is not None else "school"


def signing_problem(by, placement) -> str | None:
    """None if ``by`` may sign the placement's agreement for their own side; otherwise why not."""
    if signing_side(by) == "provider":
        if not has_perm(by, "sla.sign_for_provider"):
            return "Your role does not allow you to sign agreements."
        if by.provider_id != placement.provider_id:
            return "This placement is at another provider."
        if not by.may_sign_agreements:
            return (
                f"You do not have {placement.provider}'s authority to sign agreements: ask the trust to record "
                "it, or ask a colleague who has it."
            )
        if not placement.provider_accepted:
            return "Accept the referral before signing its agreement."
        return None
    roles = placement.trust.policy.school_signatory_roles or []
    if not has_perm(by, "sla.sign_for_school") or by.role not in roles:
        allowed = " or the ".join(Role(r).label.lower() for r in roles if r in Role.values) or "headteacher"
        return f"Only the {allowed} of {placement.school.name} can sign the agreement for the school."
    if by.school_id != placement.school_id:
        return "This placement belongs to another school."
    return None


def _signatory_role(by) -> str:
    return by.job_title.strip() or by.get_role_display()


def sla_sign(*, by, version, fingerprint: str | None = None) -> SLAVersion:
    """``by`` signs ``version`` for their own side (the school's people for the school, the provider's staff
    for the provider), with their own name and role, now. ``fingerprint`` is the version the person read: if
    the placement has changed since, the signature is refused. When the second side signs, the signed PDF is
    rendered once from the frozen data and kept."""
    placement = Placement.objects.select_related("school", "provider", "trust__policy").get(
        pk=version.placement_id
    )
    problem = signing_problem(by, placement)
    if problem:
        raise DomainError(problem)
    side = signing_side(by)
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
        if fingerprint is not None and fingerprint != version.fingerprint:
            raise DomainError(
                "The agreement you read is not the one on record: open it again, read it and sign that."
            )
        if (
            version.superseded_at is not None
            or version.number != newest
            or version.fingerprint != _fingerprint_of(placement)
        ):
            if version.superseded_at is None:
                SLAVersion.objects.filter(pk=version.pk).update(superseded_at=timezone.now())
            raise DomainError(
                f"SLA version {version.number} is out of date: the placement changed after it was built. Read "
                "the newest version and sign that."
            )
        if placement.status == Placement.Status.ENDED:
            raise DomainError("This placement has ended.")
        if getattr(version, f"{side}_signed_at"):
            who = getattr(version, f"{side}_signatory_name")
            raise DomainError(f"{who} has already signed version {version.number} for the {side}.")
        now = timezone.now()
        setattr(version, f"{side}_signatory_name", by.user.get_full_name() or by.user.username)
        setattr(version, f"{side}_signatory_role", _signatory_role(by))
        setattr(version, f"{side}_signed_at", now)
        setattr(version, f"{side}_signed_by", by.user)
        version.save()
        if version.fully_signed:
            alert(
                kind="placements.sla_signed",
                trust=placement.trust,
                key=f"sla-signed:{version.pk}",
                subject=f"Agreement signed: {placement.pupil.initials} at {placement.provider}",
                body=f"Version {version.number} of the agreement is signed by both sides.",
                url=placement_url(placement),
                school=placement.school,
                provider=placement.provider,
            )
    if version.fully_signed:
        _render_after_commit(version)
    return version


def _signature(name, role, at):
    return {"name": name, "role": role, "at": timezone.localtime(at).strftime("%d %B %Y at %H:%M")}


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
            data = render_sla_pdf(
                snapshot=version.snapshot, number=version.number, fingerprint=version.fingerprint
            )
            SLAVersion.objects.filter(pk=version_pk, pdf=b"").update(pdf=data)
        if version.fully_signed and version.signed_pdf is None:
            data = render_sla_pdf(
                snapshot=version.snapshot,
                number=version.number,
                signatures=_signatures(version),
                fingerprint=version.fingerprint,
            )
            SLAVersion.objects.filter(pk=version_pk, signed_pdf__isnull=True).update(signed_pdf=data)
        return SLAVersion.objects.get(pk=version_pk)


_LABELS = {
    "school": "School",
    "provider": "Provider",
    "pupil": "Pupil",
    "reason": "Reason for the placement",
    "curriculum": "Learning programme",
    "start_date": "Start date",
    "planned_end_date": "Planned end date",
    "part_time_review_date": "Part-time review date",
    "hours_per_week": "Hours a week",
    "full_time": "Full-time",
    "sessions": "Timetable",
    "costs": "Costs",
    "transport": "Transport",
    "transport_detail": "Transport detail",
    "meal_arrangement": "Free-meal arrangement",
    "contacts": "Contacts",
    "policy": "Trust policy",
    "outside_age_range_reason": "Reason for a provider outside its year groups",
}


def _flatten(data, prefix=()) -> dict:
    flat = {}
    if isinstance(data, dict):
        for key, value in data.items():
            flat.update(_flatten(value, (*prefix, key)))
    elif isinstance(data, list):
        flat[prefix] = "; ".join(
            " ".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item) for item in data
        )
    else:
        flat[prefix] = "" if data is None else str(data)
    return flat


def sla_differences(old: dict, new: dict) -> list[dict]:
    """What changed between two versions' frozen data: one row per changed item, labelled for a person."""
    before, after = _flatten(old), _flatten(new)
    rows = []
    for path in sorted(
        set(before) | set(after), key=lambda p: list(_LABELS).index(p[0]) if p[0] in _LABELS else 99
    ):
        if before.get(path, "") == after.get(path, ""):
            continue
        label = _LABELS.get(path[0], path[0].replace("_", " ").capitalize())
        if len(path) > 1:
            label += ": " + " ".join(part.replace("_", " ") for part in path[1:])
        rows.append({"label": label, "before": before.get(path, ""), "after": after.get(path, "")})
    return rows


def sla_history(placement) -> list[dict]:
    """Every version of the placement's agreement, newest first, with its signatures, its fingerprint and
    what changed from the version before it."""
    versions = list(
        SLAVersion.objects.filter(placement=placement).defer("pdf", "signed_pdf").order_by("number")
    )
    rows, previous = [], None
    for version in versions:
        rows.append(
            {
                "version": version,
                "changes": sla_differences(previous.snapshot, version.snapshot) if previous else [],
            }
        )
        previous = version
    return list(reversed(rows))
