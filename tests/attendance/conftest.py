from dataclasses import dataclass
from datetime import date, time

import pytest
from django_scopes import scope, scopes_disabled

from tests.factories import (
    ClosureDayFactory,
    MembershipFactory,
    PlacementFactory,
    ProviderFactory,
    PupilFactory,
    SchoolFactory,
    TermFactory,
    TimetableSessionFactory,
)
from trusts.roles import Role


@dataclass
class Setup:
    trust: object
    school: object
    provider: object
    pupil: object
    placement: object
    provider_staff: object
    attendance_officer: object
    dsl: object
    trust_dsl: object
    head: object
    ap_lead: object


def make_placement(*, school, provider, pupil=None, weekdays=(0, 1, 2, 3, 4), pm_weekdays=(0,), **kwargs):
    pupil = pupil or PupilFactory(school=school)
    placement = PlacementFactory(
        pupil=pupil,
        school=school,
        provider=provider,
        trust=school.trust,
        status="active",
        start_date=kwargs.pop("start_date", date(2026, 11, 2)),
        planned_end_date=kwargs.pop("planned_end_date", date(2027, 2, 12)),
        **kwargs,
    )
    for weekday in weekdays:
        TimetableSessionFactory(
            placement=placement, weekday=weekday, session="am", start_time=time(9), end_time=time(12)
        )
    for weekday in pm_weekdays:
        TimetableSessionFactory(
            placement=placement, weekday=weekday, session="pm", start_time=time(13), end_time=time(15, 30)
        )
    return placement


def build_setup() -> Setup:
    term = TermFactory()  # autumn 2026: 2 Sep - 18 Dec, half-term 26-30 Oct
    trust = term.trust
    TermFactory(
        academic_year=term.academic_year,
        name="spring",
        start_date=date(2027, 1, 4),
        end_date=date(2027, 3, 25),
        half_term_start=date(2027, 2, 15),
        half_term_end=date(2027, 2, 19),
    )
    ClosureDayFactory(trust=trust, school=None, date=date(2026, 11, 27))
    school = SchoolFactory(trust=trust, name="Northfield Academy")
    provider = ProviderFactory(trust=trust, legal_name="Pennine Skills Hub Ltd", status="approved")
    with scopes_disabled():
        placement = make_placement(school=school, provider=provider)
        s = Setup(
            trust=trust,
            school=school,
            provider=provider,
            pupil=placement.pupil,
            placement=placement,
            provider_staff=MembershipFactory(
                trust=trust, role=Role.PROVIDER_STAFF, provider=provider, school=None
            ),
            attendance_officer=MembershipFactory(trust=trust, role=Role.ATTENDANCE_OFFICER, school=school),
            dsl=MembershipFactory(trust=trust, role=Role.DSL, school=school),
            trust_dsl=MembershipFactory(trust=trust, role=Role.DSL, school=None),
            head=MembershipFactory(trust=trust, role=Role.HEADTEACHER, school=school),
            ap_lead=MembershipFactory(trust=trust, role=Role.AP_LEAD, school=school),
        )
    return s


@pytest.fixture
def setup(db):
    s = build_setup()
    with scope(trust=s.trust.pk):
        yield s
