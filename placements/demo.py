"""Demo pupils and placements at every stage: a draft, a proposal still blocked by its gates, an agreed
placement, an active one with a held review, an ended one with its outcome, and an off-site direction with its
notice. Dates sit in the demo calendar of trusts.demo (autumn term 2026/27, "today" around 22 November 2026).

Deterministic and idempotent: rows are found by natural keys first and nothing that exists is changed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from placements import rules
from placements.agreements.documents import render_notice_pdf, render_sla_pdf
from placements.agreements.notice import notice_session_times
from placements.agreements.sla import fingerprint, sla_snapshot
from placements.models import (
    BehaviourConcern,
    BehaviourUpdate,
    Carer,
    Consent,
    Outcome,
    Placement,
    Plan,
    Pupil,
    ReferralNotice,
    Review,
    SLAVersion,
    Target,
    TargetOutcome,
    TargetProgress,
    TimetableSession,
)
from placements.safeguarding.models import ProviderBrief, SafeguardingConcern
from placements.upn import make_upn
from providers.models import Provider
from trusts.calendar import SchoolCalendar
from trusts.models import Membership
from trusts.roles import Role

# One year of approval from the start of the 2026/27 year.
APPROVED_UNTIL = date(2027, 8, 31)
DEMO_PROVIDERS = (
    ("Pennine Skills Hub", "Unit 4, Canal Wharf, Leeds", "LS11 5PS", "Alex Marsh"),
    ("Riverside Outdoor Learning", "Riverside Barn, Otley Road, Leeds", "LS16 7RL", "Jess Moor"),
)
# Each school has its own pupils (six of them, one for each stage below): a provider's register, which lists
# pupils of several schools, never shows the same name twice.
PUPIL_NAMES = (
    ("Kai", "Whitfield", "M"),
    ("Leah", "Barraclough", "F"),
    ("Mason", "Ackroyd", "M"),
    ("Nia", "Holdsworth", "F"),
    ("Oscar", "Sutcliffe", "M"),
    ("Ruby", "Greenwood", "F"),
    ("Ethan", "Pickersgill", "M"),
    ("Amira", "Haigh", "F"),
    ("Jayden", "Illingworth", "M"),
    ("Zara", "Crowther", "F"),
    ("Tyler", "Nettleton", "M"),
    ("Freya", "Dewhirst", "F"),
    ("Harvey", "Longbottom", "M"),
    ("Imogen", "Rushworth", "F"),
    ("Rhys", "Fearnley", "M"),
    ("Sofia", "Oldroyd", "F"),
    ("Callum", "Brearley", "M"),
    ("Maisie", "Hirst", "F"),
    ("Aaron", "Mellor", "M"),
    ("Poppy", "Ormerod", "F"),
    ("Ibrahim", "Shackleton", "M"),
    ("Evie", "Wadsworth", "F"),
    ("Logan", "Stansfield", "M"),
    ("Hana", "Tetley", "F"),
)
PUPILS_PER_SCHOOL = 6
PART_TIME = [(d, "am", time(9, 0), time(12, 15)) for d in (0, 2)] + [
    (d, "pm", time(12, 45), time(15, 0)) for d in (0, 2)
]
THREE_DAYS = [
    (d, s, t0, t1)
    for d in (1, 2, 3)
    for s, t0, t1 in (("am", time(9, 0), time(12, 0)), ("pm", time(12, 45), time(15, 0)))
]
# stage: (pupil index, start, planned end, sessions, reason)
STAGES = {
    "ended": (0, date(2026, 1, 12), date(2026, 3, 27), THREE_DAYS, Placement.Reason.AT_RISK_OF_EXCLUSION),
    "active": (1, date(2026, 9, 14), date(2026, 12, 18), PART_TIME, Placement.Reason.HEALTH_SEMH),
    "agreed": (2, date(2026, 11, 30), date(2027, 2, 12), THREE_DAYS, Placement.Reason.CURRICULUM),
    "proposed": (3, date(2026, 12, 7), date(2027, 3, 25), THREE_DAYS, Placement.Reason.AT_RISK_OF_EXCLUSION),
    "draft": (4, date(2027, 1, 11), None, [], Placement.Reason.CURRICULUM),
    "off_site": (5, date(2026, 11, 25), date(2026, 12, 9), PART_TIME, Placement.Reason.OFF_SITE_DIRECTION),
}


# Most demo placements are paid by the session; two show a day rate with a daily taxi and a termly rate with
# termly transport, so the cost reports have every kind of rate to show.
DEMO_COSTS = {
    "default": {"rate": Decimal("65.00"), "rate_unit": Placement.RateUnit.SESSION},
    "draft": {"rate": Decimal("65.00"), "rate_unit": Placement.RateUnit.SESSION, "transport": ""},
    "active": {
        "rate": Decimal("120.00"),
        "rate_unit": Placement.RateUnit.DAY,
        "transport": Placement.Transport.TAXI,
        "transport_detail": "Taxi each placement day, booked by the school.",
        "transport_cost": Decimal("18.00"),
        "transport_cost_unit": Placement.TransportCostUnit.DAY,
    },
    "agreed": {
        "rate": Decimal("2400.00"),
        "rate_unit": Placement.RateUnit.TERM,
        "transport": Placement.Transport.PROVIDER,
        "transport_cost": Decimal("150.00"),
        "transport_cost_unit": Placement.TransportCostUnit.TERM,
    },
}
for _stage, _costs in DEMO_COSTS.items():
    _costs.setdefault("transport", Placement.Transport.PARENT)


def _aware(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def _providers(trust, context) -> list[Provider]:
    known = [p for p in (context.get("providers") or {}).values() if getattr(p, "trust_id", None) == trust.pk]
    providers = known or list(Provider.objects.filter(trust=trust).order_by("legal_name"))
    approved = [p for p in providers if p.is_approved_on(date(2027, 3, 31))]
    if approved:
        return approved
    made = []
    for name, address, postcode, contact in DEMO_PROVIDERS:
        provider, _ = Provider.objects.get_or_create(
            trust=trust,
            legal_name=name,
            defaults={
                "address": address,
                "postcode": postcode,
                "contact_name": contact,
                "contact_email": f"{contact.split()[0].lower()}@example.org",
                "dsl_name": contact,
                "registration_status": Provider.RegistrationStatus.UNREGISTERED,
                "status": Provider.Status.APPROVED,
                "approved_until": APPROVED_UNTIL,
            },
        )
        made.append(provider)
    return made


def _pupil(school, n, primary, school_index=0):
    first, last, gender = PUPIL_NAMES[(school_index * PUPILS_PER_SCHOOL + n) % len(PUPIL_NAMES)]
    body = f"383{school.urn[-4:]}26{n + 1:03d}"
    pupil, _ = Pupil.objects.get_or_create(
        trust=school.trust,
        upn=make_upn(body),
        defaults={
            "school": school,
            "legal_first_name": first,
            "legal_last_name": last,
            "date_of_birth": date(2016, 3, 1 + n) if primary else date(2012, 10, 1 + n),
            "year_group": "5" if primary else "9",
            "gender": gender,
            "first_language": "English",
            "sen_support": n in (1, 3),
            "ehcp_under_assessment": n == 3,
            "fsm": n in (0, 2, 5),
            "child_in_need": n == 5,
            "medical_needs": "Asthma: inhaler in bag." if n == 1 else "",
        },
    )
    Carer.objects.get_or_create(
        pupil=pupil,
        name=f"Chris {last}",
        defaults={
            "trust": school.trust,
            "relationship": "Parent",
            "has_parental_responsibility": True,
            "phone": "0113 496 0" + f"{n:03d}",
            "email": f"{last.lower()}@example.org",
        },
    )
    return pupil


def _contact(school, role, label, phone) -> str:
    """ "Name, role, phone" of the school's demo account in ``role``; the role alone if there is none."""
    membership = (
        Membership.objects.filter(school=school, role=role).select_related("user").order_by("pk").first()
    )
    name = membership.user.get_full_name() if membership else ""
    return ", ".join(part for part in (name, label if name else f"{label}, {school.name}", phone) if part)


def _placement(school, pupil, provider, stage):
    _, start, end, sessions, reason = STAGES[stage]
    placement, created = Placement.objects.get_or_create(
        pupil=pupil,
        provider=provider,
        start_date=start,
        defaults={
            "trust": school.trust,
            "school": school,
            "reason": reason,
            "reason_detail": "Agreed at the inclusion panel.",
            "planned_end_date": end,
            "status": Placement.Status.DRAFT,
            **DEMO_COSTS.get(stage, DEMO_COSTS["default"]),
            "payment_terms": "Invoiced half-termly; payment within 30 days.",
            "meal_arrangement": "Packed lunch provided by the school" if pupil.fsm else "",
            "school_main_contact": _contact(school, Role.AP_LEAD, "AP lead", "0113 496 0100"),
            "school_attendance_contact": _contact(
                school, Role.ATTENDANCE_OFFICER, "attendance officer", "0113 496 0101"
            ),
            "school_dsl_contact": _contact(school, Role.DSL, "DSL", "0113 496 0102"),
            "school_senco_contact": f"SENCO, {school.name}, 0113 496 0103",
            "provider_contact": ", ".join(
                part
                for part in (provider.contact_name, provider.contact_phone, provider.contact_email)
                if part
            ),
            "curriculum": "Entry level construction skills; functional skills English and maths.",
            "info_shared": "Referral form, current risk assessment, attendance history.",
            "hours_at_school_per_week": Decimal("13.5") if sessions is PART_TIME else Decimal("0"),
            "part_time_review_date": date(2026, 12, 11) if sessions is PART_TIME else None,
        },
    )
    if created:
        for weekday, session, t0, t1 in sessions:
            TimetableSession.objects.create(
                trust=school.trust,
                placement=placement,
                weekday=weekday,
                session=session,
                start_time=t0,
                end_time=t1,
            )
    return placement, created


def _plan(placement):
    plan, _ = Plan.objects.get_or_create(
        placement=placement,
        defaults={
            "trust": placement.trust,
            "overview": "Strong practical skills; struggles in large classes.",
            "reintegration_aim": "Back to full-time lessons at school by the end of the placement.",
            "pupil_views": "Enjoys hands-on work and wants to go to college.",
            "parent_views": "Supportive; wants regular updates.",
        },
    )
    for order, (objective, baseline, measure) in enumerate(
        (
            ("Attend every timetabled session", "78% attendance last half-term", "Provider registers"),
            ("Complete the entry level unit", "Not started", "Tutor assessment"),
        )
    ):
        Target.objects.get_or_create(
            plan=plan,
            objective=objective,
            defaults={
                "trust": placement.trust,
                "baseline": baseline,
                "measure": measure,
                "school_support": "Weekly mentor check-in",
                "provider_support": "Named key worker",
                "target_date": placement.planned_end_date or date(2027, 3, 25),
                "order": order,
            },
        )
    return plan


def _conditions(placement, carer, day):
    Consent.objects.get_or_create(
        placement=placement,
        carer=carer,
        defaults={
            "trust": placement.trust,
            "decision": Consent.Decision.GIVEN,
            "method": Consent.Method.IN_PERSON,
            "recorded_at": _aware(day),
        },
    )
    Placement.objects.filter(pk=placement.pk, la_informed_on__isnull=True).update(
        la_informed_on=day,
        risk_assessment_recorded_on=day,
        risk_assessment_summary="Low risk; supervised throughout.",
    )


def _signed_sla(placement, day, head_name, head=None):
    """Signed from each side's own account: the head for the school, the provider's signing staff (or its
    named contact, where the demo gives it no account) for the provider."""
    if SLAVersion.objects.filter(placement=placement).exists():
        return
    # The provider accepted the referral (naming the key worker) before anyone signed.
    Placement.objects.filter(pk=placement.pk).update(
        provider_response=Placement.ProviderResponse.ACCEPTED,
        provider_responded_at=_aware(day - timedelta(days=1), 11),
        key_worker="Sam Okafor",
    )
    placement = Placement.objects.select_related("school", "provider", "pupil", "trust__policy").get(
        pk=placement.pk
    )
    signer = (
        Membership.objects.filter(provider=placement.provider, may_sign_agreements=True)
        .select_related("user")
        .first()
    )
    provider_name = signer.user.get_full_name() if signer else placement.provider.contact_name
    snapshot = sla_snapshot(placement)
    signed_at = _aware(day, 14)
    signatures = {
        "school": {"name": head_name, "role": "Headteacher", "at": f"{signed_at:%d %B %Y at %H:%M}"},
        "provider": {
            "name": provider_name,
            "role": "Centre manager",
            "at": f"{signed_at:%d %B %Y at %H:%M}",
        },
    }
    print_ = fingerprint(snapshot)
    SLAVersion.objects.create(
        trust=placement.trust,
        placement=placement,
        number=1,
        snapshot=snapshot,
        fingerprint=print_,
        pdf=render_sla_pdf(snapshot=snapshot, number=1, fingerprint=print_),
        signed_pdf=render_sla_pdf(snapshot=snapshot, number=1, signatures=signatures, fingerprint=print_),
        school_signatory_name=head_name,
        school_signatory_role="Headteacher",
        school_signed_at=signed_at,
        school_signed_by=head,
        provider_signatory_name=provider_name,
        provider_signatory_role="Centre manager",
        provider_signed_at=signed_at,
        provider_signed_by=signer.user if signer else None,
    )


def _advance(placement, status, day, head):
    updates = {"status": status, "proposed_at": _aware(day, 9)}
    if status in (Placement.Status.AGREED, Placement.Status.ACTIVE, Placement.Status.ENDED):
        updates |= {
            "approved_by": head,
            "approved_at": _aware(day, 15),
        }
    if status in (Placement.Status.ACTIVE, Placement.Status.ENDED):
        updates["activated_at"] = _aware(placement.start_date, 8)
    if status == Placement.Status.ENDED:
        updates |= {"ended_on": placement.planned_end_date, "ended_outcome": Placement.EndedOutcome.COMPLETED}
    Placement.objects.filter(pk=placement.pk).update(**updates)


def seed(people, context) -> None:
    placements = {}
    for school_index, school in enumerate(context["schools"].values()):
        trust = school.trust
        providers = _providers(trust, context)
        head = next(
            (m.user for m in school.memberships.filter(role="headteacher").select_related("user")),
            None,
        )
        head_name = head.get_full_name() if head else "Headteacher"
        primary = school.phase == "primary"
        pupils = [_pupil(school, n, primary, school_index) for n in range(PUPILS_PER_SCHOOL)]
        for index, stage in enumerate(STAGES):
            pupil = pupils[STAGES[stage][0]]
            provider = providers[index % len(providers)]
            placement, created = _placement(school, pupil, provider, stage)
            placements[f"{school.urn}:{stage}"] = placement
            if not created:
                continue
            carer = pupil.carers.first()
            if stage == "draft":
                continue
            if stage == "proposed":
                _advance(placement, Placement.Status.PROPOSED, date(2026, 11, 16), head)
                continue
            _plan(placement)
            _conditions(
                placement,
                carer,
                placement.start_date.replace(day=1) if stage != "ended" else date(2026, 1, 5),
            )
            if stage == "off_site":
                sessions = list(placement.sessions.all())
                calendar = SchoolCalendar(school)
                number_of_days = rules.direction_school_days(
                    calendar, start_date=placement.start_date, planned_end_date=placement.planned_end_date
                )
                weekdays = {s.weekday for s in sessions}
                attending_days = sum(
                    1
                    for day in calendar.school_days(
                        placement.start_date, placement.planned_end_date + timedelta(days=1)
                    )
                    if day.weekday() in weekdays
                )
                contents = {
                    "notice_date": "20 November 2026",
                    "recipients": carer.name,
                    "delivered_by": "by hand",
                    "school": {"name": school.name, "address": school.address},
                    "pupil": {
                        "name": pupil.legal_name,
                        "first_name": pupil.legal_first_name,
                        "date_of_birth": f"{pupil.date_of_birth:%d %B %Y}",
                    },
                    "provider": {
                        "name": provider.legal_name,
                        "address": provider.address,
                        "postcode": provider.postcode,
                    },
                    "report_to": f"{provider.contact_name} at reception",
                    "start_date": f"{placement.start_date:%A %d %B %Y}",
                    "number_of_days": number_of_days,
                    "end_date": f"{placement.planned_end_date:%A %d %B %Y}",
                    "attending_days": attending_days,
                    "days": notice_session_times(sessions),
                    "reasons": "Repeated disruption of lessons after in-school support.",
                    "objectives": "Improve behaviour for learning and return to lessons.",
                    "review_interval_weeks": 6,
                    "school_contact": placement.school_main_contact,
                }
                ReferralNotice.objects.create(
                    trust=trust,
                    placement=placement,
                    notice_date=date(2026, 11, 20),
                    delivered_by=ReferralNotice.DeliveredBy.HAND,
                    recipients=carer.name,
                    report_to=contents["report_to"],
                    number_of_days=number_of_days,
                    reasons=contents["reasons"],
                    objectives=contents["objectives"],
                    contents=contents,
                    pdf=render_notice_pdf(contents=contents),
                )
            _signed_sla(
                placement,
                placement.start_date.replace(day=2) if stage != "ended" else date(2026, 1, 6),
                head_name,
                head,
            )
            status = {
                "agreed": Placement.Status.AGREED,
                "active": Placement.Status.ACTIVE,
                "off_site": Placement.Status.ACTIVE,
                "ended": Placement.Status.ENDED,
            }[stage]
            _advance(placement, status, placement.start_date.replace(day=3), head)
            if stage in ("agreed", "active", "off_site"):
                _brief(placement, head)
            if stage == "active":
                _reviews(placement)
                _concern(placement)
                _causing_concern(placement)
            if stage == "ended":
                _ended(placement)
    context["placements"] = placements


def _brief(placement, head):
    """What the school shared with the provider (the placement's "information shared with the provider")."""
    pupil = placement.pupil
    ProviderBrief.objects.get_or_create(
        placement=placement,
        defaults={
            "trust": placement.trust,
            "medical_needs": pupil.medical_needs or "None known.",
            "allergies": "None known.",
            "send_needs": "SEN support: literacy." if pupil.sen_support else "",
            "strategies": "Give instructions one at a time; a quiet space to calm down; praise in private.",
            "risk_triggers": (placement.risk_assessment_summary or "Low risk.")
            + " Triggers: being shouted at, crowded corridors.",
            "may_collect": "Either parent.",
            "may_not_collect": "Anyone not named above: call the school's DSL first.",
            "dsl_out_of_hours": placement.school_dsl_contact,
            "shared_by": head,
            "shared_by_name": head.get_full_name() if head else "",
            "shared_at": _aware(placement.start_date - timedelta(days=3), 15),
        },
    )


def _concern(placement):
    """An open concern, raised by the provider, for the DSL's dashboard."""
    staff = (
        Membership.objects.filter(role=Role.PROVIDER_STAFF, provider=placement.provider)
        .select_related("user")
        .first()
    )
    when = _aware(date(2026, 11, 20), 14)
    SafeguardingConcern.objects.get_or_create(
        placement=placement,
        category=SafeguardingConcern.Category.EXPLOITATION,
        defaults={
            "trust": placement.trust,
            "pupil": placement.pupil,
            "school": placement.school,
            "provider": placement.provider,
            "account": "An older man in a grey car waits at the gate most afternoons. Asked who he is, she "
            "said: 'he's my mate, he sorts me out'. She had a new phone this week.",
            "occurred_at": when - timedelta(minutes=30),
            "people_present": "Key worker; site manager saw the car.",
            "immediate_action": "Kept her inside until her mum arrived; noted the car's registration.",
            "raised_by": staff.user if staff else None,
            "raised_by_name": (staff.user.get_full_name() if staff else "")
            or placement.provider.contact_name,
            "raised_by_role": str(staff) if staff else f"Provider staff, {placement.provider}",
            "raised_at": when,
        },
    )


def _causing_concern(placement):
    """The placement causing concern, raised by the provider, with its first weekly behaviour update."""
    staff = (
        Membership.objects.filter(role=Role.PROVIDER_STAFF, provider=placement.provider)
        .select_related("user")
        .first()
    )
    concern, _ = BehaviourConcern.objects.get_or_create(
        placement=placement,
        cleared_at=None,
        defaults={
            "trust": placement.trust,
            "raised_by_side": BehaviourConcern.Side.PROVIDER,
            "raised_by": staff.user if staff else None,
            "raised_at": _aware(date(2026, 11, 16), 15),
            "reason": "Walked out of three lessons this week and refused to return; swearing at staff.",
        },
    )
    BehaviourUpdate.objects.get_or_create(
        concern=concern,
        week_starting=date(2026, 11, 16),
        defaults={
            "trust": placement.trust,
            "placement": placement,
            "behaviour": "Calmer from Wednesday once seated near the door; one walk-out on Thursday.",
            "attitude": "Engaged in practical English; avoids written maths.",
            "next_steps": "Daily check-in with the key worker; a movement break agreed.",
            "written_by": staff.user if staff else None,
        },
    )


def _reviews(placement):
    held, _ = Review.objects.get_or_create(
        placement=placement,
        kind=Review.Kind.SCHEDULED,
        scheduled_for=date(2026, 10, 19),
        defaults={
            "trust": placement.trust,
            "held_on": date(2026, 10, 19),
            "attendance_percent": Decimal("88.0"),
            "attendance": "Two sessions missed, both followed up the same day.",
            "behaviour": "Settled well; one minor incident.",
            "safeguarding": "No concerns.",
            "pupil_voice": "Likes the practical work.",
            "parent_voice": "Sees a happier child.",
            "actions": "Add a Friday session after half-term if attendance holds.",
            "next_review_date": date(2026, 11, 30),
        },
    )
    for target in Target.objects.filter(plan__placement=placement):
        TargetProgress.objects.get_or_create(
            review=held, target=target, defaults={"trust": placement.trust, "rating": "good"}
        )
    Review.objects.get_or_create(
        placement=placement,
        kind=Review.Kind.SCHEDULED,
        scheduled_for=date(2026, 11, 30),
        defaults={"trust": placement.trust},
    )


def _ended(placement):
    outcome, _ = Outcome.objects.get_or_create(
        placement=placement,
        defaults={
            "trust": placement.trust,
            "attendance_percent": Decimal("91.5"),
            "attainment": "Entry level 3 in English and maths.",
            "accreditation": "Entry level certificate in construction.",
            "destination": Outcome.Destination.MAINSTREAM,
            "pupil_assessment": "I can cope in lessons now.",
            "school_evaluation": "Good value: attendance and behaviour improved.",
            "reintegration_plan": "Phased return over two weeks with a mentor.",
        },
    )
    for target in Target.objects.filter(plan__placement=placement):
        TargetOutcome.objects.get_or_create(
            outcome=outcome, target=target, defaults={"trust": placement.trust, "result": "achieved"}
        )
