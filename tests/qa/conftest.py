"""A trust with an autumn term, a school, a provider with pupils placed, a visitor, the trust admin and the
provider's staff; and factories for QA records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import factory
import pytest
from django.utils import timezone
from django_scopes import scope

from qa import services
from qa.models import ImprovementAction, ProviderFlag, Visit
from tests.factories import (
    MembershipFactory,
    PlacementFactory,
    ProviderFactory,
    PupilFactory,
    SchoolFactory,
    TenantFactory,
    TermFactory,
    UserFactory,
)
from trusts.roles import Role


def framework_for(trust):
    with scope(trust=trust.pk):
        return services.framework_current(trust=trust)


class VisitFactory(TenantFactory):
    class Meta:
        model = Visit

    provider = factory.SubFactory(ProviderFactory)
    trust = factory.SelfAttribute("provider.trust")
    framework = factory.LazyAttribute(lambda o: framework_for(o.provider.trust))
    planned_for = date(2026, 11, 23)
    visitor = factory.SubFactory(UserFactory)


class CompletedVisitFactory(VisitFactory):
    status = Visit.Status.COMPLETED
    visit_date = date(2026, 11, 23)
    met_with = "The manager"
    outcome = "meets_most"
    next_visit_date = date(2027, 1, 20)
    completed_at = factory.LazyFunction(timezone.now)
    completed_by = factory.SelfAttribute("visitor")


class ImprovementActionFactory(TenantFactory):
    class Meta:
        model = ImprovementAction

    visit = factory.SubFactory(CompletedVisitFactory)
    trust = factory.SelfAttribute("visit.trust")
    provider = factory.SelfAttribute("visit.provider")
    area = "Fire drills"
    action = "Hold a fire drill and record it"
    rag = "amber"
    owner = "Centre manager"
    due_date = date(2026, 12, 4)


class ProviderFlagFactory(TenantFactory):
    class Meta:
        model = ProviderFlag

    visit = factory.SubFactory(CompletedVisitFactory, outcome="does_not_meet")
    trust = factory.SelfAttribute("visit.trust")
    provider = factory.SelfAttribute("visit.provider")
    reason = "does_not_meet"
    raised_at = factory.LazyFunction(timezone.now)


@dataclass
class Setup:
    trust: object
    term: object
    school: object
    other_school: object
    provider: object
    placement: object
    pupil: object
    visitor: object
    admin: object
    staff: object
    trust_dsl: object


def build_setup(*, registration_status="unregistered") -> Setup:
    term = TermFactory()
    trust = term.trust
    school = SchoolFactory(trust=trust, name="Northfield Academy")
    other_school = SchoolFactory(trust=trust, name="Southgate School")
    provider = ProviderFactory(
        trust=trust,
        legal_name="Pennine Skills Hub Ltd",
        registration_status=registration_status,
        status="approved",
        approved_until=date(2027, 8, 31),
    )
    pupil = PupilFactory(school=school, legal_first_name="Ava", legal_last_name="Shaw", year_group="10")
    placement = PlacementFactory(
        pupil=pupil,
        provider=provider,
        status="active",
        start_date=date(2026, 9, 7),
        planned_end_date=date(2027, 7, 16),
    )
    visitor = MembershipFactory(
        user=UserFactory(username="visitor", first_name="Vera", last_name="Visitor"),
        trust=trust,
        role=Role.AP_LEAD,
        school=school,
    )
    admin = MembershipFactory(
        user=UserFactory(username="admin", first_name="Ada", last_name="Admin"),
        trust=trust,
        role=Role.TRUST_ADMIN,
    )
    trust_dsl = MembershipFactory(user=UserFactory(username="tdsl"), trust=trust, role=Role.DSL, school=None)
    staff = MembershipFactory(
        user=UserFactory(username="pstaff"),
        trust=trust,
        role=Role.PROVIDER_STAFF,
        provider=provider,
        school=None,
    )
    return Setup(
        trust=trust,
        term=term,
        school=school,
        other_school=other_school,
        provider=provider,
        placement=placement,
        pupil=pupil,
        visitor=visitor,
        admin=admin,
        staff=staff,
        trust_dsl=trust_dsl,
    )


@pytest.fixture
def s(db) -> Setup:
    return build_setup()


def fill_visit(visit, by, *, on, outcome="meets_most", rating="fully", with_action=True, visit_date=None):
    """Record a whole visit through the service, as a visitor would."""
    with scope(trust=visit.trust_id):
        visit = services.visit_start(visit=visit, by=by, on=on)
        items = list(visit.framework.items.all())
        data = {
            "visit_date": visit_date or on,
            "met_with": "Sam Lee, centre manager",
            "location": "Unit 4, Mill Lane",
            "strengths": "Warm relationships; pupils settled.",
            "outcome": outcome,
            "next_visit_date": date(2027, 1, 20),
            "checks": {i.pk: {"answer": "yes", "seen": "Seen"} for i in items if i.part != "standard"},
            "ratings": {
                i.pk: {"rating": rating, "evidence": f"Evidence for {i.code}"}
                for i in items
                if i.part == "standard"
            },
            "pupils": {},
            "actions": (
                [
                    {
                        "area": "Fire drills",
                        "action": "Record each drill",
                        "rag": "amber",
                        "owner": "Sam Lee",
                        "due_date": date(2026, 12, 11),
                    }
                ]
                if with_action
                else []
            ),
        }
        return services.visit_save(visit=visit, by=by, revision=visit.revision, data=data, on=on)
