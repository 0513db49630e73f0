"""Three terms of AP in the shared world's first trust: the summer term 2026 (placements that ended, with
outcomes), and the autumn term 2026 (running placements with marked sessions, reviews, incidents, invoices).
Pupils are named "Nameless<school><i>" so a test can look for any of them in a page or a PDF."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django_scopes import scopes_disabled

from providers.models import Provider
from tests.factories import (
    AcademicYearFactory,
    ExpectedSessionFactory,
    PlacementFactory,
    PupilFactory,
    RegisterMarkFactory,
    ReviewFactory,
    TermFactory,
)

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 23)
AUTUMN = (date(2026, 9, 2), date(2026, 12, 18))
SUMMER = (date(2026, 4, 13), date(2026, 7, 22))


def at(day, hour=9, minute=30):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def calendar(world):
    """The autumn and spring terms of 2026/27, and the spring and summer terms of 2025/26."""
    with scopes_disabled():
        autumn = TermFactory(academic_year__trust=world.trust_a)
        old = AcademicYearFactory(
            trust=world.trust_a, name="2025/26", start_date=date(2025, 9, 1), end_date=date(2026, 8, 31)
        )
        TermFactory(
            academic_year=old,
            name="spring",
            start_date=date(2026, 1, 5),
            end_date=date(2026, 3, 27),
            half_term_start=date(2026, 2, 16),
            half_term_end=date(2026, 2, 20),
        )
        summer = TermFactory(
            academic_year=old,
            name="summer",
            start_date=SUMMER[0],
            end_date=SUMMER[1],
            half_term_start=date(2026, 5, 25),
            half_term_end=date(2026, 5, 29),
        )
        Provider.objects.filter(pk__in=[world.providers["a"].pk, world.providers["a_other"].pk]).update(
            status=Provider.Status.APPROVED, approved_until=date(2027, 8, 31)
        )
    return {"autumn": autumn, "summer": summer}


def _mondays(start, count):
    first = start + timedelta(days=(7 - start.weekday()) % 7)
    return [first + timedelta(weeks=i) for i in range(count)]


def pupil_names(world):
    from placements.models import Pupil

    with scopes_disabled():
        return [
            name
            for p in Pupil.objects.filter(trust=world.trust_a)
            for name in (p.legal_first_name, p.legal_last_name)
        ]


def populate(world, n, *, start=0, weeks=4):
    """``n`` pupils at each school of the first trust in each of the two terms; deterministic by index."""
    from placements.models import Outcome, Plan, Target, TargetOutcome

    made = []
    with scopes_disabled():
        for school_key in ("a1", "a2"):
            school = world.schools[school_key]
            for i in range(start, start + n):
                provider = world.providers["a"] if i % 2 == 0 else world.providers["a_other"]
                pupil = PupilFactory(
                    school=school,
                    legal_first_name=f"Nameless{school_key}{i}",
                    legal_last_name=f"Hidden{school_key}{i}",
                    year_group=str(8 + i % 3),
                    fsm=i % 2 == 0,
                    ehcp=i % 4 == 0,
                )
                # Summer: a placement that ended with an outcome.
                ended = PlacementFactory(
                    pupil=pupil,
                    provider=provider,
                    status="ended",
                    start_date=SUMMER[0],
                    planned_end_date=date(2026, 7, 30),
                    ended_on=SUMMER[1],
                    ended_outcome="completed",
                    rate=Decimal("40.00"),
                    rate_unit="session",
                    reason="health",
                )
                plan = Plan.objects.create(
                    trust=school.trust, placement=ended, reintegration_aim="Back to school"
                )
                target = Target.objects.create(
                    trust=school.trust,
                    plan=plan,
                    objective="Attend",
                    baseline="50%",
                    measure="register",
                    target_date=SUMMER[1],
                )
                outcome = Outcome.objects.create(
                    trust=school.trust, placement=ended, destination="mainstream" if i % 3 else "fe"
                )
                TargetOutcome.objects.create(
                    trust=school.trust,
                    outcome=outcome,
                    target=target,
                    result="achieved" if i % 2 == 0 else "partly",
                )
                for day in _mondays(SUMMER[0], weeks):
                    s = ExpectedSessionFactory(placement=ended, date=day)
                    RegisterMarkFactory(expected_session=s, status="present" if i % 4 else "absent")
                # Autumn: a running placement, a session a week.
                running = PlacementFactory(
                    pupil=pupil,
                    provider=provider,
                    status="active",
                    start_date=date(2026, 9, 7),
                    planned_end_date=date(2027, 2, 12),
                    rate=Decimal("150.00"),
                    rate_unit="week",
                    registration_cost=Decimal("25.00"),
                    reason="at_risk",
                )
                for k, day in enumerate(_mondays(date(2026, 9, 7), weeks)):
                    s = ExpectedSessionFactory(placement=running, date=day)
                    RegisterMarkFactory(
                        expected_session=s, status="absent" if (i + k) % 3 == 0 else "present"
                    )
                ReviewFactory(placement=running, scheduled_for=date(2026, 10, 12), held_on=date(2026, 10, 12))
                ReviewFactory(placement=running, scheduled_for=date(2026, 11, 16))
                from placements.models import BehaviourIncident

                BehaviourIncident.objects.create(
                    trust=school.trust,
                    placement=running,
                    description="Left the room",
                    category="absconding",
                    occurred_at=datetime.combine(date(2026, 10, 5), time(10), tzinfo=LONDON),
                )
                made.append((ended, running))
    return made
