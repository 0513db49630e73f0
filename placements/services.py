"""Every write of the placements app and every step of a placement's lifecycle.

Each function is keyword-only, takes the acting membership as ``by`` and raises DomainError listing every
problem it found, so a page can show them all at once. Nothing is half-saved: each runs in one transaction.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from placements import rules, selectors
from placements.documents import render_notice_pdf, render_sla_pdf
from placements.models import (
    BehaviourIncident,
    Carer,
    Consent,
    LAAgreement,
    Outcome,
    Placement,
    Plan,
    ProviderReport,
    Pupil,
    ReferralNotice,
    Review,
    SLAVersion,
    Target,
    TargetOutcome,
    TargetProgress,
    TimetableSession,
)
from trusts.calendar import CalendarError, SchoolCalendar
from trusts.errors import DomainError, validation_problems
from trusts.models import Membership
from trusts.roles import Role
from trusts.services import notify

# An emergency review is held within this many school days of being called.
EMERGENCY_REVIEW_SCHOOL_DAYS = 3
PLACEMENT_FIELDS = (
    "reason",
    "reason_detail",
    "start_date",
    "planned_end_date",
    "cost_per_session",
    "cost_per_week",
    "registration_cost",
    "extra_costs",
    "extra_costs_detail",
    "payment_terms",
    "transport",
    "transport_detail",
    "meal_arrangement",
    "school_main_contact",
    "school_attendance_contact",
    "school_dsl_contact",
    "school_senco_contact",
    "provider_contact",
    "info_shared",
    "curriculum",
    "hours_at_school_per_week",
    "medical_reason_reduced_hours",
    "part_time_review_date",
)


def _full_clean(instance, **kwargs):
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        problems = validation_problems(error)
        raise DomainError(problems[0], problems=problems) from None


def _lock(placement) -> Placement:
    return Placement.objects.select_for_update().get(pk=placement.pk)


def _require_school_side_of(by, placement):
    if by.role == Role.PROVIDER_STAFF:
        raise DomainError("Only the school can change this placement.")
    if by.school_id is not None and by.school_id != placement.school_id:
        raise DomainError("This placement belongs to another school.")


def _people(school, roles) -> list:
    """Users holding one of ``roles`` at ``school``; for DSLs, the trust's DSLs when the school has none."""
    memberships = list(
        Membership.objects.active()
        .filter(trust_id=school.trust_id, school=school, role__in=roles)
        .select_related("user")
    )
    if Role.DSL in roles and not any(m.role == Role.DSL for m in memberships):
        memberships += list(
            Membership.objects.active()
            .filter(trust_id=school.trust_id, school__isnull=True, role=Role.DSL)
            .select_related("user")
        )
    seen, users = set(), []
    for m in memberships:
        if m.user_id not in seen:
            seen.add(m.user_id)
            users.append(m.user)
    return users


def _placement_url(placement) -> str:
    return reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})


# ---------------------------------------------------------------------------------------------------------
# Pupils and carers


def _check_date_of_birth(pupil):
    problem = rules.date_of_birth_problem(
        date_of_birth=pupil.date_of_birth, year_group=pupil.year_group, today=timezone.localdate()
    )
    if problem:
        raise DomainError(problem, field="date_of_birth")


def pupil_create(*, by, school, **fields) -> Pupil:
    if by.school_id is not None and by.school_id != school.pk:
        raise DomainError("You can add pupils only to your own school.")
    pupil = Pupil(trust_id=school.trust_id, school=school, **fields)
    pupil.upn = pupil.upn.strip().upper().replace(" ", "")
    _full_clean(pupil, validate_unique=False, validate_constraints=False)
    _check_date_of_birth(pupil)
    if Pupil.objects.filter(upn=pupil.upn).exists():
        raise DomainError("A pupil with this UPN is already on the trust's records.", field="upn")
    with transaction.atomic():
        pupil.save()
    return pupil


def pupil_update(*, by, pupil, **fields) -> Pupil:
    if by.school_id is not None and by.school_id != pupil.school_id:
        raise DomainError("This pupil belongs to another school.")
    before = (pupil.date_of_birth, pupil.year_group)
    for name, value in fields.items():
        setattr(pupil, name, value)
    pupil.upn = pupil.upn.strip().upper().replace(" ", "")
    _full_clean(pupil, validate_unique=False, validate_constraints=False)
    # Year groups on older records are not moved up each September, so only a change is checked.
    if (pupil.date_of_birth, pupil.year_group) != before:
        _check_date_of_birth(pupil)
    if Pupil.objects.filter(upn=pupil.upn).exclude(pk=pupil.pk).exists():
        raise DomainError("A pupil with this UPN is already on the trust's records.", field="upn")
    with transaction.atomic():
        pupil.save()
        # The pupil's name and date of birth are on the SLA: an edit may make a signed version outdated.
        for placement in pupil.placements.exclude(status=Placement.Status.ENDED):
            _sla_mark_if_outdated(placement)
    return pupil


def carer_add(*, by, pupil, **fields) -> Carer:
    if by.school_id is not None and by.school_id != pupil.school_id:
        raise DomainError("This pupil belongs to another school.")
    carer = Carer(trust_id=pupil.trust_id, pupil=pupil, **fields)
    _full_clean(carer)
    carer.save()
    return carer


# ---------------------------------------------------------------------------------------------------------
# Placements


def _date_problems(start_date, planned_end_date, part_time_review_date=None) -> list[str]:
    problems = []
    if start_date and planned_end_date and planned_end_date <= start_date:
        problems.append("The planned end date must come after the start date.")
    if start_date and part_time_review_date and part_time_review_date <= start_date:
        problems.append("The part-time review date must come after the start date.")
    return problems


def placement_create(*, by, pupil, provider, **fields) -> Placement:
    """A draft placement of ``pupil`` at ``provider``; the timetable and the rest follow step by step."""
    problems = []
    if by.role == Role.PROVIDER_STAFF:
        raise DomainError("Only the school can create a placement.")
    if by.school_id is not None and by.school_id != pupil.school_id:
        problems.append("This pupil belongs to another school.")
    if provider.trust_id != pupil.trust_id:
        problems.append("That provider is not on the trust's register.")
    unknown = set(fields) - set(PLACEMENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown placement fields: {sorted(unknown)}")
    problems += _date_problems(
        fields.get("start_date"), fields.get("planned_end_date"), fields.get("part_time_review_date")
    )
    if problems:
        raise DomainError(problems[0], problems=problems)
    placement = Placement(
        trust_id=pupil.trust_id,
        pupil=pupil,
        school=pupil.school,
        provider=provider,
        created_by=by.user,
        **fields,
    )
    _full_clean(placement, exclude=["created_by"], validate_constraints=False)
    with transaction.atomic():
        placement.save()
    return placement


def placement_update(*, by, placement, **fields) -> Placement:
    _require_school_side_of(by, placement)
    unknown = set(fields) - set(PLACEMENT_FIELDS) - {"provider"}
    if unknown:
        raise TypeError(f"Unknown placement fields: {sorted(unknown)}")
    with transaction.atomic():
        placement = _lock(placement)
        if placement.status == Placement.Status.ENDED:
            raise DomainError("This placement has ended and can no longer be changed.")
        if "provider" in fields and fields["provider"].pk != placement.provider_id and not placement.is_open:
            raise DomainError(
                "The provider of an agreed placement cannot change: end it and start a new one."
            )
        for name, value in fields.items():
            setattr(placement, name, value)
        problems = _date_problems(
            placement.start_date, placement.planned_end_date, placement.part_time_review_date
        )
        if problems:
            raise DomainError(problems[0], problems=problems)
        _full_clean(placement, exclude=["created_by", "approved_by"], validate_constraints=False)
        placement.save()
        _sla_mark_if_outdated(placement)
    return placement


def timetable_set(*, by, placement, sessions: list[dict]) -> list[TimetableSession]:
    """Replace the timetable. ``sessions``: dicts of weekday (0 Monday to 4 Friday), session ("am"/"pm"),
    start_time and end_time."""
    _require_school_side_of(by, placement)
    problems = []
    if not sessions:
        problems.append("A timetable needs at least one session.")
    seen = set()
    for s in sessions:
        day = dict(TimetableSession.WEEKDAYS).get(s["weekday"], "?")
        label = f"{day} {'morning' if s['session'] == 'am' else 'afternoon'}"
        if s["weekday"] not in range(5):
            problems.append("Sessions fall on weekdays, Monday to Friday.")
        if (s["weekday"], s["session"]) in seen:
            problems.append(f"{label} appears twice.")
        seen.add((s["weekday"], s["session"]))
        if s["end_time"] <= s["start_time"]:
            problems.append(f"{label}: the session must end after it starts.")
    for day in range(5):
        am = next((s for s in sessions if s["weekday"] == day and s["session"] == "am"), None)
        pm = next((s for s in sessions if s["weekday"] == day and s["session"] == "pm"), None)
        if am and pm and pm["start_time"] < am["end_time"]:
            problems.append(
                f"{dict(TimetableSession.WEEKDAYS)[day]}: the afternoon starts before the morning ends."
            )
    if problems:
        raise DomainError(problems[0], problems=problems)
    with transaction.atomic():
        placement = _lock(placement)
        if placement.status == Placement.Status.ENDED:
            raise DomainError("This placement has ended and can no longer be changed.")
        placement.sessions.all().delete()
        created = [
            TimetableSession.objects.create(
                trust_id=placement.trust_id,
                placement=placement,
                weekday=s["weekday"],
                session=s["session"],
                start_time=s["start_time"],
                end_time=s["end_time"],
            )
            for s in sorted(sessions, key=lambda s: (s["weekday"], s["session"]))
        ]
        Placement.objects.filter(pk=placement.pk).update(updated_at=timezone.now())
        _sla_mark_if_outdated(placement)
    return created


def placement_propose(*, by, placement) -> Placement:
    """Draft to proposed: the placement is shared with the provider. Needs dates and a timetable."""
    _require_school_side_of(by, placement)
    with transaction.atomic():
        placement = _lock(placement)
        if placement.status != Placement.Status.DRAFT:
            raise DomainError(
                f"Only a draft can be proposed; this placement is {placement.get_status_display().lower()}."
            )
        gates = {g.code: g for g in selectors.placement_gates(placement)}
        if not gates["timetable"].met:
            raise DomainError(gates["timetable"].message)
        placement.status = Placement.Status.PROPOSED
        placement.proposed_at = timezone.now()
        placement.save(update_fields=["status", "proposed_at", "updated_at"])
    return placement


def placement_agree(*, by, placement) -> Placement:
    """The headteacher agrees the placement. Refused, with every unmet condition listed, unless all the
    gates of ``selectors.placement_gates`` are met."""
    if by.role != Role.HEADTEACHER or by.school_id != placement.school_id:
        raise DomainError(f"Only the headteacher of {placement.school.name} can agree this placement.")
    with transaction.atomic():
        placement = _lock(placement)
        if placement.status != Placement.Status.PROPOSED:
            raise DomainError(
                f"Only a proposed placement can be agreed; this one is {placement.get_status_display().lower()}."
            )
        unmet = selectors.unmet_blocking(selectors.placement_gates(placement))
        if unmet:
            raise DomainError(
                "The placement cannot be agreed yet.", problems=[f"{g.label}: {g.message}" for g in unmet]
            )
        placement.status = Placement.Status.AGREED
        placement.approved_by = by.user
        placement.approved_at = timezone.now()
        placement.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    return placement


def placement_activate(*, by, placement, today=None) -> Placement:
    """Agreed to active, on or after the start date; schedules the first review."""
    _require_school_side_of(by, placement)
    today = today or timezone.localdate()
    with transaction.atomic():
        placement = _lock(placement)
        problems = []
        if placement.status != Placement.Status.AGREED:
            raise DomainError(
                f"Only an agreed placement can start; this one is {placement.get_status_display().lower()}."
            )
        if today < placement.start_date:
            problems.append(
                f"The placement starts on {placement.start_date:%d %B %Y}: it cannot be active before then."
            )
        if not selectors.sla_is_current(selectors.latest_sla(placement), placement):
            problems.append(
                "The placement changed after the SLA was signed: build a new version and have both sides sign it."
            )
        if problems:
            raise DomainError(problems[0], problems=problems)
        placement.status = Placement.Status.ACTIVE
        placement.activated_at = timezone.now()
        placement.save(update_fields=["status", "activated_at", "updated_at"])
        if not placement.reviews.filter(held_on__isnull=True).exists():
            Review.objects.create(
                trust_id=placement.trust_id,
                placement=placement,
                kind=Review.Kind.SCHEDULED,
                scheduled_for=rules.next_review_date(
                    after=placement.start_date, policy=placement.trust.policy
                ),
            )
    return placement


def placement_end(
    *, by, placement, ended_on, ended_outcome, ended_reason="", outcome: dict, target_outcomes: list[dict]
) -> Outcome:
    """End an active placement with its outcome: a result for every target, the destination and the rest."""
    _require_school_side_of(by, placement)
    with transaction.atomic():
        placement = _lock(placement)
        problems = []
        if placement.status not in (Placement.Status.ACTIVE, Placement.Status.AGREED):
            raise DomainError("Only an agreed or active placement can end.")
        if ended_on < placement.start_date:
            problems.append("The placement cannot end before it started.")
        if ended_on > timezone.localdate():
            problems.append("The end date is in the future: end the placement on or after its last day.")
        if ended_outcome not in Placement.EndedOutcome.values:
            problems.append("Say whether the placement was completed or ended early.")
        if ended_outcome == Placement.EndedOutcome.ENDED_EARLY and not ended_reason.strip():
            problems.append("Say why the placement ended early.")
        plan = Plan.objects.filter(placement=placement).first()
        targets = list(plan.targets.all()) if plan else []
        given = {t["target"].pk: t for t in target_outcomes}
        for target in targets:
            if target.pk not in given or not given[target.pk].get("result"):
                problems.append(f"Give the outcome of the target “{target.objective}”.")
        if not outcome.get("destination"):
            problems.append("Record the pupil's destination.")
        if problems:
            raise DomainError(problems[0], problems=problems)
        placement.status = Placement.Status.ENDED
        placement.ended_on = ended_on
        placement.ended_outcome = ended_outcome
        placement.ended_reason = ended_reason
        placement.save(update_fields=["status", "ended_on", "ended_outcome", "ended_reason", "updated_at"])
        result = Outcome(trust_id=placement.trust_id, placement=placement, recorded_by=by.user, **outcome)
        _full_clean(result, exclude=["placement", "recorded_by"])
        result.save()
        for target in targets:
            t = given[target.pk]
            TargetOutcome.objects.create(
                trust_id=placement.trust_id,
                outcome=result,
                target=target,
                result=t["result"],
                comment=t.get("comment", ""),
            )
    return result


# ---------------------------------------------------------------------------------------------------------
# Conditions before agreement


def consent_record(*, by, placement, carer, decision, method, recorded_at=None, note="") -> Consent:
    _require_school_side_of(by, placement)
    problems = []
    if carer.pupil_id != placement.pupil_id:
        raise DomainError("That person is not recorded as a parent or carer of this pupil.", field="carer")
    if not carer.has_parental_responsibility:
        raise DomainError(
            f"{carer.name} does not have parental responsibility, so cannot give or refuse consent. Record the "
            "decision of a parent or carer who does.",
            field="carer",
        )
    recorded_at = recorded_at or timezone.now()
    if recorded_at > timezone.now() + timedelta(minutes=5):
        problems.append("The consent cannot be recorded in the future.")
    if decision == Consent.Decision.REFUSED and not note.strip():
        problems.append("Note what the parent or carer said when refusing: the refusal is documented.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    return Consent.objects.create(
        trust_id=placement.trust_id,
        placement=placement,
        carer=carer,
        decision=decision,
        method=method,
        recorded_at=recorded_at,
        recorded_by=by.user,
        note=note,
    )


def la_agreement_record(
    *, by, placement, local_authority, officer_name, agreed_on, officer_role="", note=""
) -> LAAgreement:
    _require_school_side_of(by, placement)
    if agreed_on > timezone.localdate():
        raise DomainError("The agreement date is in the future.", field="agreed_on")
    return LAAgreement.objects.create(
        trust_id=placement.trust_id,
        placement=placement,
        local_authority=local_authority,
        officer_name=officer_name,
        officer_role=officer_role,
        agreed_on=agreed_on,
        note=note,
        recorded_by=by.user,
    )


def plan_save(*, by, placement, targets: list[dict], **fields) -> Plan:
    """Create or update the plan and its targets. ``targets``: dicts of target fields, with ``id`` for an
    existing target and ``delete=True`` to remove one."""
    _require_school_side_of(by, placement)
    problems = []
    if not fields.get("reintegration_aim", "").strip():
        problems.append("State the reintegration aim: how and when the pupil returns to full-time school.")
    kept = [t for t in targets if not t.get("delete")]
    if not kept:
        problems.append("Add at least one target.")
    for n, t in enumerate(kept, start=1):
        missing = [
            label
            for key, label in (
                ("objective", "objective"),
                ("baseline", "baseline"),
                ("measure", "measure"),
                ("target_date", "target date"),
            )
            if not t.get(key)
        ]
        if missing:
            problems.append(f"Target {n}: give its {', '.join(missing)}.")
        elif t["target_date"] <= placement.start_date:
            problems.append(f"Target {n}: the target date must come after the placement starts.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    with transaction.atomic():
        plan, _ = Plan.objects.get_or_create(
            placement=placement,
            defaults={"trust_id": placement.trust_id, "reintegration_aim": fields["reintegration_aim"]},
        )
        for name, value in fields.items():
            setattr(plan, name, value)
        plan.save()
        existing = {t.pk: t for t in plan.targets.all()}
        for order, t in enumerate(targets):
            data = {k: v for k, v in t.items() if k not in ("id", "delete")}
            target = existing.get(t.get("id")) if t.get("id") else None
            if t.get("delete"):
                if target is not None:
                    target.delete()
                continue
            if target is None:
                target = Target(trust_id=placement.trust_id, plan=plan)
            for name, value in data.items():
                setattr(target, name, value)
            target.order = order
            target.save()
    return plan


def checks_record(
    *, by, placement, la_informed_on=None, risk_assessment_recorded_on=None, risk_assessment_summary=""
) -> Placement:
    _require_school_side_of(by, placement)
    today = timezone.localdate()
    problems = []
    if la_informed_on and la_informed_on > today:
        problems.append("The date the local authority was informed is in the future.")
    if risk_assessment_recorded_on and risk_assessment_recorded_on > today:
        problems.append("The risk assessment date is in the future.")
    if risk_assessment_recorded_on and not risk_assessment_summary.strip():
        problems.append("Summarise the risk assessment: the main risks and how they are managed.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    with transaction.atomic():
        placement = _lock(placement)
        placement.la_informed_on = la_informed_on
        placement.risk_assessment_recorded_on = risk_assessment_recorded_on
        placement.risk_assessment_summary = risk_assessment_summary
        placement.save(
            update_fields=[
                "la_informed_on",
                "risk_assessment_recorded_on",
                "risk_assessment_summary",
                "updated_at",
            ]
        )
    return placement


# ---------------------------------------------------------------------------------------------------------
# SLA


def _sla_mark_if_outdated(placement) -> bool:
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
    if version.fingerprint == selectors.fingerprint(selectors.sla_snapshot(placement)):
        return False
    SLAVersion.objects.filter(pk=version.pk).update(superseded_at=timezone.now())
    return True


def sla_build_version(*, by, placement) -> SLAVersion:
    """A new SLA version from the placement as it stands, frozen with its PDF. If the newest version still
    matches the placement it is returned unchanged."""
    _require_school_side_of(by, placement)
    with transaction.atomic():
        placement = Placement.objects.select_for_update().get(pk=placement.pk)
        placement = Placement.objects.select_related("school", "provider", "pupil", "trust__policy").get(
            pk=placement.pk
        )
        if placement.status == Placement.Status.ENDED:
            raise DomainError("This placement has ended.")
        if not placement.sessions.exists():
            raise DomainError("Add the timetable first: the SLA states the sessions and hours.")
        snapshot = selectors.sla_snapshot(placement)
        print_ = selectors.fingerprint(snapshot)
        latest = SLAVersion.objects.filter(placement=placement).order_by("-number").first()
        if latest is not None and latest.superseded_at is None and latest.fingerprint == print_:
            return latest
        SLAVersion.objects.filter(placement=placement, superseded_at__isnull=True).update(
            superseded_at=timezone.now()
        )
        number = (latest.number + 1) if latest else 1
        return SLAVersion.objects.create(
            trust_id=placement.trust_id,
            placement=placement,
            number=number,
            snapshot=snapshot,
            fingerprint=print_,
            pdf=render_sla_pdf(snapshot=snapshot, number=number),
            created_by=by.user,
        )


def _signature(name, role, at):
    return {"name": name, "role": role, "at": timezone.localtime(at).strftime("%d %B %Y at %H:%M")}


def sla_sign(*, by, version, side: str, signatory_name: str, signatory_role: str) -> SLAVersion:
    """Record one side's signature. A signature on a version that no longer matches the placement is refused.
    When the second side signs, the signed PDF is rendered once from the frozen data and kept."""
    placement = version.placement
    _require_school_side_of(by, placement)
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
            or version.fingerprint != selectors.fingerprint(selectors.sla_snapshot(placement))
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
        if version.fully_signed:
            version.signed_pdf = render_sla_pdf(
                snapshot=version.snapshot,
                number=version.number,
                signatures={
                    "school": _signature(
                        version.school_signatory_name, version.school_signatory_role, version.school_signed_at
                    ),
                    "provider": _signature(
                        version.provider_signatory_name,
                        version.provider_signatory_role,
                        version.provider_signed_at,
                    ),
                },
            )
        version.save()
    return version


# ---------------------------------------------------------------------------------------------------------
# Off-site direction notice


def notice_session_times(sessions) -> list[dict]:
    """Per day, the times the 2010 regulations ask for: with two sessions, when the morning starts, the
    break starts and ends, and the afternoon ends; with one, when it starts and ends."""
    days = []
    for day, name in TimetableSession.WEEKDAYS:
        am = next((s for s in sessions if s.weekday == day and s.session == "am"), None)
        pm = next((s for s in sessions if s.weekday == day and s.session == "pm"), None)
        if am and pm:
            text = (
                f"Morning session starts {am.start_time:%H:%M}; break from {am.end_time:%H:%M} to "
                f"{pm.start_time:%H:%M}; afternoon session ends {pm.end_time:%H:%M}"
            )
        elif am or pm:
            only = am or pm
            text = f"One session, from {only.start_time:%H:%M} to {only.end_time:%H:%M}"
        else:
            continue
        days.append({"weekday": name, "text": text})
    return days


def referral_notice_issue(
    *, by, placement, notice_date, delivered_by, recipients, report_to, reasons, objectives
) -> ReferralNotice:
    """Issue the written notice of an off-site direction, frozen with its PDF. Refused if it would not come at
    least two school days before the start. The number of days it states is counted from the school's calendar
    between the start and the planned end."""
    _require_school_side_of(by, placement)
    placement = Placement.objects.select_related("school", "provider", "pupil", "trust__policy").get(
        pk=placement.pk
    )
    problems = []
    if not placement.is_off_site_direction:
        raise DomainError("A notice is needed only for an off-site direction to improve behaviour.")
    sessions = list(placement.sessions.all())
    if not sessions:
        problems.append("Add the timetable first: the notice states the session times.")
    if placement.planned_end_date is None:
        problems.append(
            "Give the placement a planned end date first: the notice states how many school days the "
            "direction lasts."
        )
    for label, value in (
        ("who is given the notice", recipients),
        ("whom the pupil reports to", report_to),
        ("the reasons", reasons),
        ("the objectives", objectives),
    ):
        if not (value or "").strip():
            problems.append(f"Give {label}.")
    calendar = SchoolCalendar(placement.school)
    try:
        if not rules.notice_in_time(calendar, notice_date=notice_date, start_date=placement.start_date):
            earliest = rules.earliest_start_after_notice(calendar, notice_date)
            problems.append(
                f"A notice given on {notice_date:%A %d %B %Y} allows a start on {earliest:%A %d %B %Y} at the "
                f"earliest, but the placement starts on {placement.start_date:%A %d %B %Y}: move the start or "
                "give notice earlier."
            )
    except CalendarError as error:
        problems.append(str(error))
    number_of_days = 0
    if placement.planned_end_date is not None:
        number_of_days = rules.direction_school_days(
            calendar, start_date=placement.start_date, planned_end_date=placement.planned_end_date
        )
        if number_of_days < 1:
            problems.append("The school's calendar has no school days between the start and the planned end.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    pupil, provider, school = placement.pupil, placement.provider, placement.school
    weekdays = {s.weekday for s in sessions}
    attending_days = sum(
        1
        for day in calendar.school_days(placement.start_date, placement.planned_end_date + timedelta(days=1))
        if day.weekday() in weekdays
    )
    contents = {
        "notice_date": f"{notice_date:%d %B %Y}",
        "recipients": recipients,
        "delivered_by": dict(ReferralNotice.DeliveredBy.choices)[delivered_by].lower(),
        "school": {"name": school.name, "address": school.address},
        "pupil": {
            "name": pupil.legal_name,
            "first_name": pupil.preferred_name or pupil.legal_first_name,
            "date_of_birth": f"{pupil.date_of_birth:%d %B %Y}",
        },
        "provider": {"name": provider.legal_name, "address": provider.address, "postcode": provider.postcode},
        "report_to": report_to,
        "start_date": f"{placement.start_date:%A %d %B %Y}",
        "number_of_days": number_of_days,
        "end_date": f"{placement.planned_end_date:%A %d %B %Y}",
        "attending_days": attending_days,
        "days": notice_session_times(sessions),
        "reasons": reasons,
        "objectives": objectives,
        "review_interval_weeks": placement.trust.policy.review_interval_weeks,
        "school_contact": placement.school_main_contact or school.name,
    }
    with transaction.atomic():
        return ReferralNotice.objects.create(
            trust_id=placement.trust_id,
            placement=placement,
            notice_date=notice_date,
            delivered_by=delivered_by,
            recipients=recipients,
            report_to=report_to,
            number_of_days=number_of_days,
            reasons=reasons,
            objectives=objectives,
            contents=contents,
            pdf=render_notice_pdf(contents=contents),
            issued_by=by.user,
        )


# ---------------------------------------------------------------------------------------------------------
# Reviews, provider reports, incidents


def review_schedule(*, by, placement, scheduled_for, kind=Review.Kind.SCHEDULED) -> Review:
    _require_school_side_of(by, placement)
    if placement.status not in Placement.COMMITTED_STATUSES:
        raise DomainError("Reviews are scheduled for agreed or active placements.")
    if scheduled_for < placement.start_date:
        raise DomainError("A review cannot come before the placement starts.", field="scheduled_for")
    return Review.objects.create(
        trust_id=placement.trust_id, placement=placement, kind=kind, scheduled_for=scheduled_for
    )


def review_record(*, by, review, held_on, progress: list[dict], next_review_date=None, **fields) -> Review:
    """Record a held review: attendance, behaviour, safeguarding, progress on each target, the voices of the
    pupil and parents, actions and the next date (which schedules the next review)."""
    review = Review.objects.select_related("placement").get(pk=review.pk)
    placement = review.placement
    _require_school_side_of(by, placement)
    problems = []
    if review.held_on is not None:
        raise DomainError("This review has been recorded already.")
    if held_on > timezone.localdate():
        problems.append("The review date is in the future: record it once it has been held.")
    if held_on < placement.start_date:
        problems.append("The review cannot be held before the placement starts.")
    if next_review_date and next_review_date <= held_on:
        problems.append("The next review must come after this one.")
    plan = Plan.objects.filter(placement=placement).first()
    targets = list(plan.targets.all()) if plan else []
    given = {p["target"].pk: p for p in progress}
    for target in targets:
        if target.pk not in given or not given[target.pk].get("rating"):
            problems.append(f"Rate the progress on the target “{target.objective}”.")
    pct = fields.get("attendance_percent")
    if pct is not None and not (Decimal(0) <= Decimal(pct) <= Decimal(100)):
        problems.append("Attendance is a percentage from 0 to 100.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.held_on is not None:
            raise DomainError("This review has been recorded already.")
        for name, value in fields.items():
            setattr(review, name, value)
        review.held_on = held_on
        review.next_review_date = next_review_date
        review.recorded_by = by.user
        review.save()
        for target in targets:
            p = given[target.pk]
            TargetProgress.objects.create(
                trust_id=review.trust_id,
                review=review,
                target=target,
                rating=p["rating"],
                comment=p.get("comment", ""),
            )
        if (
            next_review_date
            and placement.status in Placement.COMMITTED_STATUSES
            and not placement.reviews.filter(held_on__isnull=True, scheduled_for=next_review_date).exists()
        ):
            Review.objects.create(
                trust_id=placement.trust_id,
                placement=placement,
                kind=Review.Kind.SCHEDULED,
                scheduled_for=next_review_date,
            )
    return review


def _provider_or_school(by, placement):
    if by.role == Role.PROVIDER_STAFF:
        if by.provider_id != placement.provider_id:
            raise DomainError("This placement is at another provider.")
    else:
        _require_school_side_of(by, placement)
    if placement.status not in Placement.COMMITTED_STATUSES:
        raise DomainError("Reports and incidents are recorded for agreed or active placements.")


def provider_report_record(
    *, by, placement, period_ending, attendance, progress, behaviour="", wellbeing="", next_steps=""
) -> ProviderReport:
    _provider_or_school(by, placement)
    if period_ending < placement.start_date:
        raise DomainError("The report covers a period before the placement started.", field="period_ending")
    return ProviderReport.objects.create(
        trust_id=placement.trust_id,
        placement=placement,
        period_ending=period_ending,
        attendance=attendance,
        progress=progress,
        behaviour=behaviour,
        wellbeing=wellbeing,
        next_steps=next_steps,
        written_by=by.user,
    )


def incident_record(
    *, by, placement, occurred_at, description, action_taken="", parent_informed=False
) -> BehaviourIncident:
    """Record a behaviour incident. When the trust's count of incidents is reached, an emergency review is
    scheduled and the AP lead and DSL are told, once however many incidents follow."""
    _provider_or_school(by, placement)
    if occurred_at > timezone.now() + timedelta(minutes=5):
        raise DomainError("The incident cannot be in the future.", field="occurred_at")
    if not description.strip():
        raise DomainError("Describe what happened.", field="description")
    with transaction.atomic():
        incident = BehaviourIncident.objects.create(
            trust_id=placement.trust_id,
            placement=placement,
            occurred_at=occurred_at,
            description=description,
            action_taken=action_taken,
            parent_informed=parent_informed,
            reported_by=by.user,
        )
        emergency_review_call_if_due(placement=placement)
    return incident


def emergency_review_call_if_due(*, placement) -> Review | None:
    policy = placement.trust.policy
    if placement.incidents.count() < policy.emergency_review_incident_count:
        return None
    # One conditional update claims the call, so two incidents reported at once cannot both schedule one.
    now = timezone.now()
    claimed = Placement.objects.filter(pk=placement.pk, emergency_review_called_at__isnull=True).update(
        emergency_review_called_at=now
    )
    if not claimed:
        return None
    today = timezone.localdate()
    try:
        when = SchoolCalendar(placement.school).add(today, EMERGENCY_REVIEW_SCHOOL_DAYS)
    except CalendarError:
        when = today + timedelta(days=EMERGENCY_REVIEW_SCHOOL_DAYS)
    review = Review.objects.create(
        trust_id=placement.trust_id, placement=placement, kind=Review.Kind.EMERGENCY, scheduled_for=when
    )
    for user in _people(placement.school, {Role.AP_LEAD, Role.DSL}):
        notify(
            trust=placement.trust,
            recipient=user,
            key=f"emergency-review:{placement.pk}",
            kind="placements.emergency_review",
            subject=f"Emergency review called: {placement.pupil.initials} at {placement.provider}",
            body=(
                f"{policy.emergency_review_incident_count} behaviour incidents have been reported in this placement. "
                f"An emergency review is scheduled for {when:%A %d %B %Y}."
            ),
            url=_placement_url(placement),
            urgent=True,
        )
    return review


# ---------------------------------------------------------------------------------------------------------
# Reminders (called by the beat jobs; they decide from the database, so a missed run catches up)


def reviews_remind(*, today=None) -> int:
    """Reviews coming due within the trust's warning window, and reviews overdue: each told once."""
    today = today or timezone.localdate()
    sent = 0
    reviews = selectors.outstanding_reviews().select_related("placement__trust__policy").order_by("pk")
    for review in reviews:
        placement = review.placement
        warning = placement.trust.policy.review_due_warning_days
        if review.scheduled_for < today:
            key, subject = f"review-overdue:{review.pk}", "Review overdue"
        elif review.scheduled_for <= today + timedelta(days=warning):
            key, subject = f"review-due:{review.pk}", "Review coming up"
        else:
            continue
        for user in _people(placement.school, {Role.AP_LEAD}):
            _, created = notify(
                trust=placement.trust,
                recipient=user,
                key=key,
                kind="placements.review",
                subject=f"{subject}: {placement.pupil.initials} at {placement.provider}",
                body=f"The {review.get_kind_display().lower()} is due on {review.scheduled_for:%A %d %B %Y}.",
                url=_placement_url(placement),
                urgent=review.scheduled_for < today,
            )
            sent += created
    return sent


def sla_unsigned_remind(*, today=None) -> int:
    """Placements starting within the trust's warning window whose SLA is not signed by both sides."""
    today = today or timezone.localdate()
    sent = 0
    placements = (
        Placement.objects.filter(
            status__in=[Placement.Status.DRAFT, Placement.Status.PROPOSED], start_date__gte=today
        )
        .select_related("school", "provider", "pupil", "trust__policy")
        .order_by("pk")
    )
    for placement in placements:
        if placement.start_date > today + timedelta(days=placement.trust.policy.sla_unsigned_warning_days):
            continue
        version = selectors.latest_sla(placement)
        if version is not None and version.fully_signed and selectors.sla_is_current(version, placement):
            continue
        for user in _people(placement.school, {Role.AP_LEAD, Role.HEADTEACHER}):
            _, created = notify(
                trust=placement.trust,
                recipient=user,
                key=f"sla-unsigned:{placement.pk}:{placement.start_date.isoformat()}",
                kind="placements.sla_unsigned",
                subject=f"SLA not signed: {placement.pupil.initials} starts at {placement.provider} soon",
                body=f"The placement starts on {placement.start_date:%A %d %B %Y} and its SLA is not signed by both sides.",
                url=_placement_url(placement),
            )
            sent += created
    return sent


def part_time_reviews_remind(*, today=None) -> int:
    """Active part-time timetables whose review date has passed."""
    today = today or timezone.localdate()
    sent = 0
    placements = (
        Placement.objects.filter(status=Placement.Status.ACTIVE, part_time_review_date__lt=today)
        .select_related("school", "provider", "pupil", "trust__policy")
        .with_hours()
        .order_by("pk")
    )
    for placement in placements:
        if rules.is_full_time(Decimal(placement.weekly_hours or 0), placement.trust.policy):
            continue
        for user in _people(placement.school, {Role.AP_LEAD}):
            _, created = notify(
                trust=placement.trust,
                recipient=user,
                key=f"part-time-review:{placement.pk}:{placement.part_time_review_date.isoformat()}",
                kind="placements.part_time_review",
                subject=f"Part-time timetable past its review date: {placement.pupil.initials}",
                body=(
                    f"The part-time timetable at {placement.provider} was due for review on "
                    f"{placement.part_time_review_date:%d %B %Y}. Review it and record a new date or a full-time timetable."
                ),
                url=_placement_url(placement),
            )
            sent += created
    return sent


# ---------------------------------------------------------------------------------------------------------
# Pupil import


def pupil_import_commit(*, by, school, text: str) -> list[Pupil]:
    """Create every pupil of a MIS export, or none: any bad row stops the whole import, and every bad row is
    named."""
    from placements.imports import parse_pupil_csv

    if by.school_id is not None and by.school_id != school.pk:
        raise DomainError("You can import pupils only into your own school.")
    rows, problems = parse_pupil_csv(text, existing_upns=set(Pupil.objects.values_list("upn", flat=True)))
    if problems:
        raise DomainError(
            f"Nothing was imported: {len(problems)} problem{'s' if len(problems) != 1 else ''} to fix.",
            problems=problems,
        )
    try:
        with transaction.atomic():
            return [
                Pupil.objects.create(trust_id=school.trust_id, school=school, **row.fields) for row in rows
            ]
    except IntegrityError:
        raise DomainError(
            "Another import added some of these pupils at the same time: nothing was imported, try again."
        ) from None
