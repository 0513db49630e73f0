"""The registration rule fed by whatever placement data is registered (the placements app adds its source)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from providers import selectors
from providers.registration import PlacementFact
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def facts_for(provider_pk, count, school_ids, **flags):
    def source(*, provider, window):
        if provider.pk != provider_pk:
            return []
        return [
            PlacementFact(
                placement_id=n,
                pupil_id=n,
                school_id=school_ids[n % len(school_ids)],
                start=date(2026, 9, 1),
                end=None,
                hours_per_week=Decimal("25"),
                looked_after=flags.get("looked_after", False) and n == 0,
                ehcp=False,
            )
            for n in range(count)
        ]

    return source


@pytest.fixture
def registered_source():
    sources = []

    def register(fn):
        sources.append(selectors.register_fact_source(fn))

    yield register
    for fn in sources:
        selectors.unregister_fact_source(fn)


def test_without_sources_no_pupils(world):
    with scope(trust=world.trust_a.pk):
        result = selectors.provider_registration_status(world.providers["a"], on=date(2026, 11, 16))
    assert result.allowed and result.full_time_pupils == 0


def test_sources_are_combined_across_schools(world, registered_source):
    a = world.providers["a"]
    registered_source(facts_for(a.pk, 2, [world.schools["a1"].pk]))
    registered_source(
        lambda *, provider, window: (
            [
                PlacementFact(
                    10 + n, 10 + n, world.schools["a2"].pk, date(2026, 9, 1), None, Decimal(20), False, False
                )
                for n in range(3)
            ]
            if provider.pk == a.pk
            else []
        )
    )
    with scope(trust=world.trust_a.pk):
        result = selectors.provider_registration_status(a, on=date(2026, 11, 16))
        school_ids = selectors.school_ids_with_pupils_at(a, on=date(2026, 11, 16))
    assert result.full_time_pupils == 5 and not result.allowed
    assert school_ids == {world.schools["a1"].pk, world.schools["a2"].pk}


def test_detail_page_shows_the_flag(world, client, registered_source):
    a = world.providers["a"]
    registered_source(facts_for(a.pk, 4, [world.schools["a1"].pk]))
    sign_in(client, world.personas["a.trust_admin"])
    body = client.get(reverse("providers:provider_detail", kwargs={"provider_pk": a.pk})).content.decode()
    assert "Close to the limit" in body
    assert "4 pupils are here full-time" in body


def test_detail_page_shows_a_refusal(world, client, registered_source):
    a = world.providers["a"]
    registered_source(facts_for(a.pk, 1, [world.schools["a1"].pk], looked_after=True))
    sign_in(client, world.personas["a.ap_lead"])
    body = client.get(reverse("providers:provider_detail", kwargs={"provider_pk": a.pk})).content.decode()
    assert "Must not be used for more full-time places" in body
    assert "looked-after pupil would be here full-time" in body
