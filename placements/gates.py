"""The agreement rule: every condition a placement must meet before the headteacher may agree it, each with a
message a person can act on. The thresholds behind them live in ``placements.rules``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from placements import rules
from placements.agreements.sla import sla_is_current
from placements.models import (
    Consent,
    LAAgreement,
    Placement,
    ReferralNotice,
    SLAVersion,
    Target,
    TimetableSession,
)
from placements.selectors import (
    committed_at_providers,
    committed_of_pupils,
    overlapping,
    placement_registration_check,
    weekly_education,
)
from trusts.calendar import calendars_for


@dataclass(frozen=True)
class Gate:
    code: str
    label: str
    met: bool
    message: str
    blocking: bool = True


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
    plan = getattr(placement, "plan", None)
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


def _acceptance_gate(placement) -> Gate:
    label = "Provider accepted the referral"
    if placement.provider_accepted:
        return Gate(
            "provider_accepted",
            label,
            True,
            f"Accepted on {placement.provider_responded_at:%d %B %Y}; key worker {placement.key_worker}.",
        )
    if placement.status == Placement.Status.DRAFT:
        message = "Propose the placement to the provider: it must accept before the placement is agreed."
        if placement.provider_response == Placement.ProviderResponse.DECLINED:
            message = (
                f"The provider declined: {placement.provider_decline_reason} Change the placement and propose "
                "it again, or choose another provider."
            )
        return Gate("provider_accepted", label, False, message)
    return Gate(
        "provider_accepted",
        label,
        False,
        f"Waiting for {placement.provider} to accept or decline the referral.",
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


def _with_everything(pks):
    """The placements (of ``pks``; None: any, to filter further) with everything their gates read, in a fixed
    number of queries however many."""
    placements = Placement.objects.all() if pks is None else Placement.objects.filter(pk__in=pks)
    return (
        placements.select_related("pupil", "provider", "school", "trust__policy", "plan")
        .prefetch_related(
            Prefetch("sessions", queryset=TimetableSession.objects.order_by("weekday", "session")),
            Prefetch("consents", queryset=Consent.objects.select_related("carer")),
            Prefetch("la_agreements", queryset=LAAgreement.objects.all()),
            Prefetch("plan__targets", queryset=Target.objects.all()),
            Prefetch(
                "sla_versions",
                queryset=SLAVersion.objects.defer("pdf", "signed_pdf").order_by("-number"),
                to_attr="versions_newest_first",
            ),
            Prefetch(
                "notices",
                queryset=ReferralNotice.objects.defer("pdf").order_by("-notice_date", "-pk"),
                to_attr="notices_newest_first",
            ),
        )
        .order_by("start_date", "pk")
    )


def loaded_for_gates():
    """Placements with everything their gates read, for a page that shows both: the gates then read the
    placement as it is (``placement_gates(..., loaded=True)``) instead of loading it again."""
    return _with_everything(None)


def gates_for(placements, *, calendars=None, loaded=False, pupils_committed=None) -> dict[int, list[Gate]]:
    """The gates of several placements, by placement id, in a fixed number of queries however many there
    are (for lists that say what blocks each one). ``loaded``: the placements come from ``loaded_for_gates``;
    ``pupils_committed``: their pupils' committed placements, where the caller read them already
    (``committed_of_pupils``)."""
    loaded = list(placements) if loaded else list(_with_everything([p.pk for p in placements]))
    if not loaded:
        return {}
    calendars = calendars or calendars_for({p.school_id: p.school for p in loaded}.values())
    committed = committed_at_providers({p.provider_id for p in loaded})
    if pupils_committed is None:
        pupils_committed = committed_of_pupils({p.pupil_id for p in loaded})
    return {
        p.pk: _gates(
            p,
            calendar=calendars[p.school_id],
            committed=committed[p.provider_id],
            others=overlapping(p, pupils_committed),
        )
        for p in loaded
    }


def placement_gates(placement, *, calendar=None, loaded=False, pupils_committed=None) -> list[Gate]:
    """Every condition for agreeing the placement, met or not, with a message a person can act on.

    Blocking gates must all be met before the headteacher can agree; the others are warnings to weigh."""
    calendars = {placement.school_id: calendar} if calendar is not None else None
    return gates_for([placement], calendars=calendars, loaded=loaded, pupils_committed=pupils_committed)[
        placement.pk
    ]


def _gates(placement, *, calendar, committed, others) -> list[Gate]:
    policy = placement.trust.policy
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
    gates.append(_acceptance_gate(placement))
    if not provider.takes_year_group(placement.pupil.year_group):
        reason = placement.outside_age_range_reason.strip()
        gates.append(
            Gate(
                "year_groups",
                "The provider takes this year group",
                bool(reason),
                f"{provider} takes {provider.year_groups_label}; the pupil is in "
                f"{placement.pupil.get_year_group_display()}. "
                + (
                    f"Reason recorded: {reason}"
                    if reason
                    else "Record why this provider is right for the pupil."
                ),
            )
        )

    # Registration rule across the trust.
    result = placement_registration_check(placement, committed=committed)
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
    versions = placement.versions_newest_first
    gates.append(_sla_gate(placement, versions[0] if versions else None))
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
        notices = placement.notices_newest_first
        gates.append(_notice_gate(placement, notices[0] if notices else None, calendar))

    education = weekly_education(placement, others=others)
    if education["flag"]:
        gates.append(Gate("education_hours", "Full-time education", False, education["flag"], blocking=False))
    return gates


def unmet_blocking(gates) -> list[Gate]:
    return [g for g in gates if g.blocking and not g.met]


@dataclass(frozen=True)
class Readiness:
    placement: Placement
    blockers: list[Gate]

    @property
    def ready(self) -> bool:
        return not self.blockers


def agreement_readiness(placements) -> list[Readiness]:
    """For a list of proposed placements: each with what still blocks its agreement (empty: ready), ready
    ones first. A fixed number of queries however many placements."""
    placements = list(placements)
    gates = gates_for(placements)
    rows = [Readiness(p, unmet_blocking(gates.get(p.pk, []))) for p in placements]
    return sorted(rows, key=lambda r: not r.ready)
