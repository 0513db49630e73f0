"""Dashboard fixtures: the shared world on Monday 23 November 2026 at 09:30, with pupils at providers from
both schools of the first trust, marks, follow-ups, chase events, reviews and evidence running out."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scopes_disabled

from providers.models import Provider
from tests.attendance.conftest import make_placement
from tests.factories import (
    AbsenceFollowUpFactory,
    ChaseEventFactory,
    EvidenceFactory,
    ExpectedSessionFactory,
    PlacementFactory,
    PupilFactory,
    RegisterMarkFactory,
    ReviewFactory,
    TermFactory,
)

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 23)
LAST_MONDAY = date(2026, 11, 16)


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(at(MONDAY, 9, 30), tick=False)
    return time_machine


@pytest.fixture
def calendar(world):
    with scopes_disabled():
        TermFactory(academic_year__trust=world.trust_a)  # autumn 2026: 2 Sep - 18 Dec
        Provider.objects.filter(pk__in=[world.providers["a"].pk, world.providers["a_other"].pk]).update(
            status=Provider.Status.APPROVED, approved_until=date(2027, 8, 31)
        )
    return world


def populate(world, n, *, start=0):
    """``n`` pupils in AP at each school of the first trust: their placements, this morning's register with a
    mix of marks, last week's sessions, follow-ups, runs of absences, reviews and a proposal each; and a pupil
    placed with no session today. Deterministic by index, so two calls with different ``start`` add more."""
    made = {"a1": [], "a2": []}
    with scopes_disabled():
        for school_key in ("a1", "a2"):
            school = world.schools[school_key]
            for i in range(start, start + n):
                pupil = PupilFactory(
                    school=school,
                    legal_first_name=f"{school_key.upper()}First{i}",
                    legal_last_name=f"{school_key.upper()}Last{i}",
                    child_protection_plan=(i % 3 == 0),
                    looked_after=(i % 3 == 1),
                    responsible_la="Leeds" if i % 3 == 1 else "",
                )
                placement = make_placement(
                    school=school, provider=world.providers["a"], pupil=pupil, weekdays=(0,), pm_weekdays=()
                )
                session = ExpectedSessionFactory(placement=placement, date=MONDAY, session="am")
                if i % 3 == 0:
                    RegisterMarkFactory(expected_session=session, status="present", school_code="B")
                elif i % 3 == 1:
                    RegisterMarkFactory(expected_session=session, status="absent")
                    AbsenceFollowUpFactory(expected_session=session, vulnerable=True)
                    ChaseEventFactory(expected_session=session, occurred_at=at(MONDAY, 9, 20))
                last_week = ExpectedSessionFactory(placement=placement, date=LAST_MONDAY, session="am")
                RegisterMarkFactory(
                    expected_session=last_week,
                    status="absent" if i % 2 else "present",
                    school_code="N" if i % 2 else "B",
                )
                ReviewFactory(placement=placement, scheduled_for=date(2026, 11, 16))
                ReviewFactory(placement=placement, scheduled_for=date(2026, 11, 30))
                PlacementFactory(
                    pupil=PupilFactory(school=school),
                    provider=world.providers["a"],
                    status="proposed",
                    start_date=date(2026, 12, 7),
                )
                # Placed, but not expected anywhere on Mondays.
                other = make_placement(
                    school=school, provider=world.providers["a_other"], weekdays=(2,), pm_weekdays=()
                )
                made[school_key].append((placement, other))
        EvidenceFactory(
            provider=world.providers["a"],
            evidence_type="safeguarding_policy",
            issue_date=date(2025, 12, 1),
            expiry_date=date(2026, 12, 1),
        )
    return made


@pytest.fixture
def dash(world, calendar, clock):
    world.made = populate(world, 3)
    return world
