"""Placements fixtures: the shared world with a term calendar, an approved provider and a placement that
can be brought, step by step through the services, to the point where every gate is met."""

from __future__ import annotations

from datetime import date, time

import pytest
import time_machine
from django_scopes import scope, scopes_disabled

from placements import conditions, lifecycle
from placements.agreements import referral, sla
from providers.models import Provider
from tests.factories import (
    AcademicYearFactory,
    CarerFactory,
    ClosureDayFactory,
    PlacementFactory,
    PupilFactory,
    TermFactory,
)

TODAY = date(2026, 11, 20)  # a Friday in the autumn term; placements start on Monday 30 November

FULL_WEEK = [
    {"weekday": d, "session": s, "start_time": t0, "end_time": t1}
    for d in range(5)
    for s, t0, t1 in (("am", time(9, 0), time(12, 0)), ("pm", time(12, 45), time(15, 0)))
]  # 5 x (3 + 2.25) = 26.25 hours: full-time
TWO_MORNINGS = [
    {"weekday": 1, "session": "am", "start_time": time(9, 0), "end_time": time(12, 0)},
    {"weekday": 3, "session": "am", "start_time": time(9, 0), "end_time": time(12, 0)},
]  # 6 hours: part-time


def add_calendar(trust):
    with scopes_disabled():
        year = AcademicYearFactory(trust=trust)
        TermFactory(academic_year=year, trust=trust)
        TermFactory(
            academic_year=year,
            trust=trust,
            name="spring",
            start_date=date(2027, 1, 4),
            end_date=date(2027, 3, 25),
            half_term_start=date(2027, 2, 15),
            half_term_end=date(2027, 2, 19),
        )
        TermFactory(
            academic_year=year,
            trust=trust,
            name="summer",
            start_date=date(2027, 4, 12),
            end_date=date(2027, 7, 21),
            half_term_start=date(2027, 5, 31),
            half_term_end=date(2027, 6, 4),
        )
        ClosureDayFactory(trust=trust, school=None, date=date(2026, 11, 27))
        ClosureDayFactory(trust=trust, school=None, date=date(2027, 1, 4))


def approve(provider, until=date(2027, 8, 31)):
    with scopes_disabled():
        Provider.objects.filter(pk=provider.pk).update(status=Provider.Status.APPROVED, approved_until=until)
        provider.refresh_from_db()
    return provider


@pytest.fixture
def clock():
    with time_machine.travel(date(2026, 11, 20).isoformat() + " 10:00 +00:00", tick=False) as traveller:
        yield traveller


@pytest.fixture
def pw(world, clock):
    """The world, with trust A's calendar and provider approved, and trust A's scope open."""
    add_calendar(world.trust_a)
    add_calendar(world.trust_b)
    approve(world.providers["a"])
    with scope(trust=world.trust_a.pk):
        yield world


def new_placement(world, *, school="a1", provider="a", pupil=None, part_a=True, **fields):
    pupil = pupil or PupilFactory(school=world.schools[school])
    fields.setdefault("school_main_contact", "Jo Main, AP lead, jo@example.org")
    fields.setdefault("school_dsl_contact", "Sam Safe, DSL, 0113 496 0001")
    fields.setdefault("provider_contact", "Pat Contact, 0113 496 0002")
    fields.setdefault("transport", "parent")
    placement = PlacementFactory(pupil=pupil, provider=world.providers[provider], **fields)
    if part_a:
        complete_part_a(placement)
    return placement


def complete_part_a(placement):
    """Part A of the referral form, as the school fills it before proposing."""
    from django.utils import timezone

    from placements.models import ReferralForm

    with scopes_disabled():
        return ReferralForm.objects.create(
            trust=placement.trust,
            placement=placement,
            ethnicity="not_said",
            disability="no",
            safeguarding_category="none",
            interventions_tried="Mentoring and a reduced timetable for six weeks.",
            part_a_completed_at=timezone.now(),
        )


def make_ready(world, placement, *, lead=None, sessions=FULL_WEEK):
    """Meet every gate of ``placement`` through the services, as an AP lead would."""
    lead = lead or world.personas["a.ap_lead"]
    lifecycle.timetable_set(by=lead, placement=placement, sessions=sessions)
    if placement.status == "draft":
        lifecycle.placement_propose(by=lead, placement=placement)
    staff = provider_signer(world, placement)
    if not placement.provider_response:
        referral.referral_accept(
            by=staff, placement=placement, start_date=placement.start_date, key_worker="Kim Keyworker"
        )
    carer = CarerFactory(pupil=placement.pupil)
    conditions.consent_record(by=lead, placement=placement, carer=carer, decision="given", method="in_person")
    conditions.plan_save(
        by=lead,
        placement=placement,
        reintegration_aim="Back to full-time lessons at school by February half-term.",
        pupil_views="Wants to do construction.",
        parent_views="Supportive.",
        targets=[
            {
                "objective": "Attend every session",
                "baseline": "72% attendance last term",
                "measure": "Provider registers",
                "school_support": "Weekly check-in",
                "provider_support": "Key worker",
                "target_date": date(2027, 2, 12),
            }
        ],
    )
    conditions.checks_record(
        by=lead,
        placement=placement,
        la_informed_on=date(2026, 11, 18),
        risk_assessment_recorded_on=date(2026, 11, 19),
        risk_assessment_summary="Low risk; supervised at all times.",
    )
    version = sla.sla_build_version(by=lead, placement=placement)
    sla.sla_sign(by=school_signer(world, placement), version=version)
    sla.sla_sign(by=staff, version=version)
    placement.refresh_from_db()
    return placement


def school_signer(world, placement):
    """The headteacher of the placement's school: who signs its agreements by default."""
    key = "a.headteacher" if placement.school_id == world.schools["a1"].pk else "a2.headteacher"
    return world.personas[key]


def provider_signer(world, placement):
    """A member of the placement's provider's staff with authority to sign its agreements."""
    from tests.factories import MembershipFactory, UserFactory
    from trusts.models import Membership
    from trusts.roles import Role

    with scopes_disabled():
        staff = (
            Membership.objects.filter(provider_id=placement.provider_id, role=Role.PROVIDER_STAFF)
            .order_by("pk")
            .first()
        )
        if staff is None:
            staff = MembershipFactory(
                user=UserFactory(first_name="Pat", last_name="Contact"),
                trust=placement.trust,
                role=Role.PROVIDER_STAFF,
                provider=placement.provider,
            )
        if not staff.may_sign_agreements:
            Membership.objects.filter(pk=staff.pk).update(
                may_sign_agreements=True, job_title="Centre manager"
            )
            staff.refresh_from_db()
    return staff
