"""Demo data for the termly reports: placements that ran and ended in the spring and summer terms of 2025/26
(with registers, plans, outcomes and destinations), so the autumn term's figures have earlier terms to be
compared with; and providers' invoices for the autumn term's running placements, some to check, one disputed.

Deterministic (choices come from a hash of the pupil's UPN and the day) and idempotent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
EARLIER_PLACEMENTS_PER_SCHOOL = 6
WEEKDAYS = (0, 2)  # Monday and Wednesday mornings
DESTINATIONS = ("mainstream", "mainstream", "new_school", "fe", "mainstream", "neet")
RESULTS = ("achieved", "achieved", "partly", "not_achieved", "achieved", "partly")


@dataclass(frozen=True)
class Span:
    start_date: date
    end_date: date
    half_term_start: date | None
    half_term_end: date | None
    name: str


def _roll(*parts) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8], 16) % 100


def _teaching_days(term):
    day = term.start_date
    while day <= term.end_date:
        in_break = term.half_term_start and term.half_term_start <= day <= term.half_term_end
        if day.weekday() in WEEKDAYS and not in_break:
            yield day
        day += timedelta(days=1)


def seed(people, context) -> None:
    from django_scopes import scope

    from placements.models import Pupil
    from providers.models import Provider
    from trusts.models import Membership, Term
    from trusts.roles import Role

    invoiced = 0
    for school in context["schools"].values():
        trust = school.trust
        with scope(trust=trust.pk):
            earlier = [
                Span(t.start_date, t.end_date, t.half_term_start, t.half_term_end, t.name)
                for t in Term.objects.filter(
                    trust=trust, academic_year__name="2025/26", name__in=["spring", "summer"]
                ).order_by("start_date")
            ]
            autumn = Term.objects.filter(trust=trust, academic_year__name="2026/27", name="autumn").first()
            if autumn is not None and autumn.half_term_start:
                # Short placements in the first half of this autumn term, ended at half-term.
                earlier.append(
                    Span(autumn.start_date, autumn.half_term_start - timedelta(days=3), None, None, "autumn")
                )
            providers = list(
                Provider.objects.filter(trust=trust, status__in=Provider.APPROVED_STATUSES).order_by(
                    "legal_name"
                )
            )
            pupils = list(Pupil.objects.filter(school=school).order_by("upn"))
            marker = (
                Membership.objects.filter(school=school, role=Role.AP_LEAD).select_related("user").first()
            )
            if not (earlier and providers and pupils and marker):
                continue
            for t, term in enumerate(earlier):
                for i in range(EARLIER_PLACEMENTS_PER_SCHOOL):
                    pupil = pupils[(i + t) % len(pupils)]
                    _earlier_placement(
                        school, pupil, providers[(i + t) % len(providers)], term, i + t, marker.user
                    )
            invoiced += _invoices(school, marker.user, offset=invoiced)


# Earlier placements take turns at each kind of rate, with transport on the day and term rates.
EARLIER_COSTS = (
    {"rate": Decimal("60.00"), "rate_unit": "session"},
    {"rate": Decimal("280.00"), "rate_unit": "week"},
    {
        "rate": Decimal("110.00"),
        "rate_unit": "day",
        "transport_cost": Decimal("12.00"),
        "transport_cost_unit": "day",
    },
    {
        "rate": Decimal("2100.00"),
        "rate_unit": "term",
        "transport_cost": Decimal("75.00"),
        "transport_cost_unit": "fixed",
    },
)


def _earlier_placement(school, pupil, provider, term, index, user):
    from placements.models import Outcome, Placement, Plan, Target, TargetOutcome

    placement, created = Placement.objects.get_or_create(
        pupil=pupil,
        provider=provider,
        start_date=term.start_date,
        defaults={
            "trust": school.trust,
            "school": school,
            "reason": Placement.Reason.values[index % len(Placement.Reason.values)],
            "reason_detail": "Agreed at the inclusion panel.",
            "planned_end_date": term.end_date + timedelta(days=1),
            "status": Placement.Status.ENDED,
            "ended_outcome": Placement.EndedOutcome.COMPLETED,
            "ended_on": term.end_date,
            **EARLIER_COSTS[index % len(EARLIER_COSTS)],
            "registration_cost": Decimal("50.00") if index % 3 == 0 else None,
            "payment_terms": "Invoiced half-termly; payment within 30 days.",
        },
    )
    if not created:
        return
    plan = Plan.objects.create(
        trust=school.trust, placement=placement, reintegration_aim="A full return to lessons at the school."
    )
    targets = [
        Target.objects.create(
            trust=school.trust,
            plan=plan,
            objective=objective,
            baseline=baseline,
            measure=measure,
            target_date=term.end_date,
            order=n,
        )
        for n, (objective, baseline, measure) in enumerate(
            (
                ("Attend every timetabled session", "Attendance of 60%", "The provider's register"),
                ("Manage frustration without leaving the room", "Left lessons twice a week", "Incident log"),
            )
        )
    ]
    outcome = Outcome.objects.create(
        trust=school.trust,
        placement=placement,
        destination=DESTINATIONS[index % len(DESTINATIONS)],
        school_evaluation="Reviewed at the end of the term.",
    )
    for n, target in enumerate(targets):
        TargetOutcome.objects.create(
            trust=school.trust, outcome=outcome, target=target, result=RESULTS[(index + n) % len(RESULTS)]
        )
    _register(placement, term, user)


def _register(placement, term, user):
    from attendance.models import ExpectedSession, RegisterMark

    for day in _teaching_days(term):
        starts = datetime.combine(day, time(9), tzinfo=LONDON)
        session = ExpectedSession.objects.create(
            trust=placement.trust,
            placement=placement,
            pupil=placement.pupil,
            school=placement.school,
            provider=placement.provider,
            date=day,
            session="am",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
        )
        roll = _roll(placement.pupil.upn, day)
        # Attendance improves from spring to summer, so the trend shows something.
        absent_below = {"spring": 18, "summer": 12}.get(term.name, 8)
        status = "absent" if roll < absent_below else ("late" if roll < absent_below + 6 else "present")
        RegisterMark.objects.create(
            trust=placement.trust,
            expected_session=session,
            status=status,
            marked_by=user,
            marked_at=starts + timedelta(minutes=10),
            school_code="B" if status != "absent" else "N",
        )


def _invoices(school, user, *, offset: int) -> int:
    """Invoices for the first half of the autumn term; returns how many placements were invoiced."""
    from attendance.models import ExpectedSession
    from placements.models import Placement
    from reports.costs import Rates, Usage, period_cost
    from reports.models import Invoice
    from trusts.models import Term

    autumn = Term.objects.filter(trust=school.trust, academic_year__name="2026/27", name="autumn").first()
    if autumn is None or not autumn.half_term_start:
        return 0
    first_half = (autumn.start_date, autumn.half_term_start - timedelta(days=1))
    running = Placement.objects.filter(
        school=school, status=Placement.Status.ACTIVE, start_date__lte=first_half[1]
    ).order_by("pk")
    n = offset
    for placement in running:
        start = max(first_half[0], placement.start_date)
        sessions = ExpectedSession.objects.filter(
            placement=placement, date__gte=start, date__lte=first_half[1]
        )
        usage = Usage(
            expected=sessions.count(),
            weeks=len({d.isocalendar()[:2] for d in sessions.values_list("date", flat=True)}),
        )
        expected = period_cost(Rates.of(placement), usage, start=start, end=first_half[1])
        if expected is None:
            continue
        n += 1
        # Most invoices match; every third is for more sessions than were expected.
        amount = expected + (Decimal("130.00") if n % 3 == 2 else Decimal("0"))
        status = ("approved", "received", "disputed")[n % 3]
        Invoice.objects.get_or_create(
            placement=placement,
            number=f"{placement.provider.legal_name[:3].upper()}-{placement.pk:04d}-1",
            defaults={
                "trust": school.trust,
                "period_start": start,
                "period_end": first_half[1],
                "amount": amount,
                "status": status,
                "note": "Charged for sessions the pupil was not timetabled for."
                if status == "disputed"
                else "",
                "recorded_by": user,
                "decided_by": user if status != "received" else None,
            },
        )
    return n - offset
