"""Queries of the placements app: the gates before agreement, registration facts, SLA data, census rows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, Sum

from placements import rules
from placements.models import (
    Consent,
    LAAgreement,
    Placement,
    Plan,
    ReferralNotice,
    Review,
    SLAVersion,
    TimetableSession,
)
from providers.registration import PlacementFact, registration_check
from trusts.calendar import SchoolCalendar


@dataclass(frozen=True)
class Gate:
    code: str
    label: str
    met: bool
    message: str
    blocking: bool = True


# ---------------------------------------------------------------------------------------------------------
# Hours


def placement_hours(placement) -> Decimal:
    return sum((s.hours for s in placement.sessions.all()), Decimal("0"))


def other_current_placements(placement):
    """The pupil's other placements that are agreed or running and overlap this one: each provider should
    know about the others."""
    queryset = (
        Placement.objects.filter(pupil_id=placement.pupil_id, status__in=Placement.COMMITTED_STATUSES)
        .exclude(pk=placement.pk)
        .select_related("provider")
        .with_hours()
    )
    if placement.planned_end_date:
        queryset = queryset.filter(start_date__lt=placement.planned_end_date)
    return queryset.filter(Q(planned_end_date__isnull=True) | Q(planned_end_date__gt=placement.start_date))


def weekly_education(placement, *, others=None) -> dict:
    """Hours here, at other providers and at school, the total and whether it falls short of full-time."""
    others = list(other_current_placements(placement)) if others is None else others
    here = placement_hours(placement)
    elsewhere = sum((Decimal(o.weekly_hours or 0) for o in others), Decimal("0"))
    total = rules.total_weekly_education(
        hours_here=here, hours_elsewhere=elsewhere, hours_at_school=placement.hours_at_school_per_week
    )
    policy = placement.trust.policy
    return {
        "here": here,
        "elsewhere": elsewhere,
        "at_school": placement.hours_at_school_per_week,
        "total": total,
        "full_time_here": rules.is_full_time(here, policy),
        "school_week": placement.school.weekly_hours,
        "flag": rules.reduced_education_flag(
            total=total,
            school_weekly_hours=placement.school.weekly_hours,
            medical_reason=placement.medical_reason_reduced_hours,
        ),
    }


# ---------------------------------------------------------------------------------------------------------
# Registration rule


def registration_facts(provider, *, including=None) -> list[PlacementFact]:
    """One fact per agreed or active placement at ``provider`` across every school of the trust, plus the
    candidate placement ``including`` (not yet agreed) when given."""
    placements = list(
        Placement.objects.filter(provider=provider, status__in=Placement.COMMITTED_STATUSES)
        .select_related("pupil")
        .with_hours()
    )
    if including is not None and all(p.pk != including.pk for p in placements):
        including.weekly_hours = placement_hours(including)
        placements.append(including)
    return [
        PlacementFact(
            placement_id=p.pk,
            pupil_id=p.pupil_id,
            school_id=p.school_id,
            start=p.start_date,
            end=p.planned_end_date,
            hours_per_week=Decimal(p.weekly_hours or 0),
            looked_after=p.pupil.looked_after,
            ehcp=p.pupil.ehcp,
        )
        for p in placements
    ]


def registration_fact_source(*, provider, window) -> list[PlacementFact]:
    """The placements' facts in the shape the providers app asks for (it filters by the window itself)."""
    return registration_facts(provider)


def placement_registration_check(placement):
    return registration_check(
        provider=placement.provider,
        facts=registration_facts(placement.provider, including=placement),
        policy=placement.trust.policy,
        window=(placement.start_date, placement.planned_end_date),
    )


# ---------------------------------------------------------------------------------------------------------
# SLA data


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


# ---------------------------------------------------------------------------------------------------------
# Gates


def _consent_gate(placement, consents, la_agreements) -> Gate:
    pupil = placement.pupil
    if pupil.needs_la_agreement:
        why = "has an EHCP" if pupil.ehcp else "is looked after"
        if la_agreements:
            a = la_agreements[0]
            return Gate(
                "consent",
                "Local authority agreement",
                True,
                f"{a.local_authority} agreed on {a.agreed_on:%d %B %Y}.",
            )
        return Gate(
            "consent",
            "Local authority agreement",
            False,
            f"The pupil {why}: record the local authority's agreement to the placement.",
        )
    given = [c for c in consents if c.decision == Consent.Decision.GIVEN]
    refused = [c for c in consents if c.decision == Consent.Decision.REFUSED]
    if given:
        c = given[0]
        return Gate(
            "consent", "Parental consent", True, f"{c.carer.name} gave consent on {c.recorded_at:%d %B %Y}."
        )
    if refused and placement.is_off_site_direction:
        # An off-site direction does not need the parents' permission; their refusal is documented instead.
        c = refused[0]
        return Gate(
            "consent",
            "Parental consent",
            True,
            f"{c.carer.name} refused on {c.recorded_at:%d %B %Y}; the refusal is documented (an off-site "
            "direction does not need permission).",
        )
    if refused:
        c = refused[0]
        return Gate(
            "consent",
            "Parental consent",
            False,
            f"{c.carer.name} refused consent on {c.recorded_at:%d %B %Y}: the placement needs a parent's consent.",
        )
    return Gate(
        "consent",
        "Parental consent",
        False,
        "Record the consent (or refusal) of at least one parent or carer with parental responsibility.",
    )


def _plan_gate(placement) -> Gate:
    plan = Plan.objects.filter(placement=placement).prefetch_related("targets").first()
    label = "Personalised plan"
    if plan is None:
        return Gate(
            "plan", label, False, "Write the personalised plan: objectives, targets and reintegration aim."
        )
    targets = list(plan.targets.all())
    complete = [t for t in targets if t.objective and t.baseline and t.measure and t.target_date]
    problems = []
    if not complete:
        problems.append("add at least one target with its baseline, measure and target date")
    if not plan.reintegration_aim.strip():
        problems.append("state the reintegration aim")
    if problems:
        return Gate("plan", label, False, "The plan is not complete: " + "; ".join(problems) + ".")
    return Gate(
        "plan",
        label,
        True,
        f"{len(complete)} target{'s' if len(complete) != 1 else ''} with a reintegration aim.",
    )


def _sla_gate(placement, version) -> Gate:
    label = "Service level agreement signed"
    if version is None:
        return Gate("sla", label, False, "Build the SLA from the placement and have both sides sign it.")
    if not sla_is_current(version, placement):
        return Gate(
            "sla",
            label,
            False,
            f"The placement changed after SLA version {version.number} was built: build a new version and "
            "sign it again.",
        )
    missing = []
    if not version.school_signed_at:
        missing.append("the school")
    if not version.provider_signed_at:
        missing.append("the provider")
    if missing:
        return Gate(
            "sla",
            label,
            False,
            f"SLA version {version.number} still needs signing by {' and '.join(missing)}.",
        )
    return Gate(
        "sla",
        label,
        True,
        f"Version {version.number} signed by {version.school_signatory_name} and {version.provider_signatory_name}.",
    )


def _notice_gate(placement, notice, calendar) -> Gate:
    label = "Off-site direction notice to parents"
    if notice is None:
        return Gate(
            "notice",
            label,
            False,
            "Give the parents written notice of the off-site direction at least two school days before it starts.",
        )
    if not rules.notice_in_time(calendar, notice_date=notice.notice_date, start_date=placement.start_date):
        earliest = rules.earliest_start_after_notice(calendar, notice.notice_date)
        return Gate(
            "notice",
            label,
            False,
            f"The notice of {notice.notice_date:%d %B %Y} is less than two school days before the start on "
            f"{placement.start_date:%d %B %Y}: start on {earliest:%A %d %B %Y} or later, or give notice earlier.",
        )
    return Gate("notice", label, True, f"Notice given on {notice.notice_date:%d %B %Y}.")


def placement_gates(placement, *, calendar=None) -> list[Gate]:
    """Every condition for agreeing the placement, met or not, with a message a person can act on.

    Blocking gates must all be met before the headteacher can agree; the others are warnings to weigh."""
    placement = (
        Placement.objects.select_related("pupil", "provider", "school", "trust__policy")
        .prefetch_related(
            Prefetch("sessions", queryset=TimetableSession.objects.order_by("weekday", "session")),
            Prefetch("consents", queryset=Consent.objects.select_related("carer")),
            Prefetch("la_agreements", queryset=LAAgreement.objects.all()),
        )
        .get(pk=placement.pk)
    )
    policy = placement.trust.policy
    calendar = calendar or SchoolCalendar(placement.school)
    gates: list[Gate] = []
    provider = placement.provider
    start, end = placement.start_date, placement.planned_end_date

    # Dates and timetable.
    sessions = list(placement.sessions.all())
    hours = rules.weekly_hours(sessions)
    timetable_problems = []
    if end and end <= start:
        timetable_problems.append("the planned end date must come after the start date")
    if not sessions:
        timetable_problems.append("add at least one session to the timetable")
    else:
        part_time = rules.part_time_review_problem(
            hours=hours,
            policy=policy,
            planned_end_date=end,
            part_time_review_date=placement.part_time_review_date,
        )
        if part_time:
            timetable_problems.append(part_time[0].lower() + part_time[1:].rstrip("."))
    gates.append(
        Gate(
            "timetable",
            "Dates and timetable",
            not timetable_problems,
            ("Fix: " + "; ".join(timetable_problems) + ".")
            if timetable_problems
            else f"{len(sessions)} sessions, {rules.fmt_hours(hours)} hours a week ({'full-time' if rules.is_full_time(hours, policy) else 'part-time'}).",
        )
    )

    # Provider approval.
    approved = provider.is_approved_on(start) and (end is None or provider.is_approved_on(end))
    if approved:
        message = f"{provider} is approved until {provider.approved_until:%d %B %Y}."
    elif provider.status not in provider.APPROVED_STATUSES:
        message = (
            f"{provider} is not approved by the trust (status: {provider.get_status_display().lower()})."
        )
    elif provider.approved_until is None or provider.approved_until < start:
        message = f"{provider}'s approval does not run to the start date."
    else:
        message = (
            f"{provider}'s approval ends on {provider.approved_until:%d %B %Y}, before the planned end: "
            "renew it or end the placement earlier."
        )
    gates.append(Gate("provider", "Provider approved and in date", approved, message))

    # Registration rule across the trust.
    result = placement_registration_check(placement)
    if result.allowed:
        message = f"{result.full_time_pupils} pupil{'s' if result.full_time_pupils != 1 else ''} full-time at {provider} across the trust."
    else:
        message = " ".join(result.reasons)
    gates.append(Gate("registration", "DfE registration rule", result.allowed, message))
    if result.allowed and result.flagged:
        gates.append(
            Gate(
                "registration_warning",
                "Close to the registration limit",
                False,
                f"{provider} would have {result.full_time_pupils} full-time pupils, close to the limit of "
                f"{policy.registration_pupil_limit} for an unregistered setting.",
                blocking=False,
            )
        )

    gates.append(
        _consent_gate(placement, list(placement.consents.all()), list(placement.la_agreements.all()))
    )
    gates.append(_plan_gate(placement))
    gates.append(_sla_gate(placement, latest_sla(placement)))
    gates.append(
        Gate(
            "la_informed",
            "Local authority informed",
            placement.la_informed_on is not None,
            f"Informed on {placement.la_informed_on:%d %B %Y}."
            if placement.la_informed_on
            else f"Tell {placement.school.local_authority or 'the local authority'} about the placement and record the date.",
        )
    )
    gates.append(
        Gate(
            "risk_assessment",
            "Risk assessment",
            placement.risk_assessment_recorded_on is not None,
            f"Recorded on {placement.risk_assessment_recorded_on:%d %B %Y}."
            if placement.risk_assessment_recorded_on
            else "Record the risk assessment for this pupil at this provider.",
        )
    )

    arrangements = []
    if not placement.transport:
        arrangements.append("transport")
    if placement.pupil.fsm and not placement.meal_arrangement.strip():
        arrangements.append("the free-meal arrangement (the pupil is eligible for free school meals)")
    gates.append(
        Gate(
            "arrangements",
            "Transport and meals",
            not arrangements,
            ("Record " + " and ".join(arrangements) + ".")
            if arrangements
            else "Transport and meals arranged."
            if placement.pupil.fsm
            else "Transport arranged; meals not needed (not eligible for free school meals).",
        )
    )
    missing_contacts = [
        label
        for label, value in (
            ("the school's main contact", placement.school_main_contact),
            ("the school's DSL", placement.school_dsl_contact),
            ("the provider's contact", placement.provider_contact),
        )
        if not value.strip()
    ]
    gates.append(
        Gate(
            "contacts",
            "Named contacts on both sides",
            not missing_contacts,
            ("Name " + ", ".join(missing_contacts) + ".")
            if missing_contacts
            else "Contacts named on both sides.",
        )
    )

    if placement.is_off_site_direction:
        notice = (
            ReferralNotice.objects.filter(placement=placement)
            .defer("pdf")
            .order_by("-notice_date", "-pk")
            .first()
        )
        gates.append(_notice_gate(placement, notice, calendar))

    education = weekly_education(placement)
    if education["flag"]:
        gates.append(Gate("education_hours", "Full-time education", False, education["flag"], blocking=False))
    return gates


def unmet_blocking(gates) -> list[Gate]:
    return [g for g in gates if g.blocking and not g.met]


# ---------------------------------------------------------------------------------------------------------
# Reviews


def outstanding_reviews(membership=None):
    """Reviews not yet held of placements that are agreed or running, earliest first: the ones someone still
    has to hold. Without ``membership``, every one in the active trust (for the reminder job)."""
    reviews = Review.objects.all() if membership is None else Review.objects.visible_to(membership)
    return (
        reviews.filter(held_on__isnull=True, placement__status__in=Placement.COMMITTED_STATUSES)
        .select_related("placement__school", "placement__provider", "placement__pupil")
        .order_by("scheduled_for", "pk")
    )


# ---------------------------------------------------------------------------------------------------------
# Lists and exports


def placement_list(membership):
    return (
        Placement.objects.visible_to(membership)
        .select_related("pupil", "provider", "school")
        .annotate(weekly_hours=Sum("sessions__hours"), session_count=Count("sessions"))
        .order_by("-start_date", "-pk")
    )


CENSUS_COLUMNS = (
    "School URN",
    "UPN",
    "Surname",
    "Forename",
    "Date of birth",
    "Provider name",
    "Provider URN",
    "Provider UKPRN",
    "Setting type",
    "Reason",
    "Entry date",
    "Leaving date",
    "Sessions per week",
    "Hours per week",
    "Status",
)


def census_rows(placements) -> list[dict]:
    """One row per placement as the School Census AP module asks for it."""
    rows = []
    for p in placements:
        rows.append(
            {
                "School URN": p.school.urn,
                "UPN": p.pupil.upn,
                "Surname": p.pupil.legal_last_name,
                "Forename": p.pupil.legal_first_name,
                "Date of birth": p.pupil.date_of_birth.isoformat(),
                "Provider name": p.provider.legal_name,
                "Provider URN": p.provider.urn,
                "Provider UKPRN": p.provider.ukprn,
                "Setting type": p.provider.get_registration_status_display(),
                "Reason": p.get_reason_display(),
                "Entry date": p.start_date.isoformat(),
                "Leaving date": (p.ended_on or p.planned_end_date).isoformat()
                if (p.ended_on or p.planned_end_date)
                else "",
                "Sessions per week": p.session_count or 0,
                "Hours per week": rules.fmt_hours(p.weekly_hours or 0),
                "Status": p.get_status_display(),
            }
        )
    return rows


def cost_parts(placement) -> list[str]:
    """The placement's costs as separate phrases, for a page to join with separators."""
    parts = []
    if placement.cost_per_session:
        parts.append(f"£{placement.cost_per_session} a session")
    if placement.cost_per_week:
        parts.append(f"£{placement.cost_per_week} a week")
    if placement.registration_cost:
        parts.append(f"registration £{placement.registration_cost}")
    if placement.extra_costs:
        detail = f" ({placement.extra_costs_detail})" if placement.extra_costs_detail else ""
        parts.append(f"extra £{placement.extra_costs}{detail}")
    return parts
