"""The trust overview: per school and per provider, sortable, CSV, one status per provider, pinned queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from providers.standing import standing_of
from tests.conftest import sign_in
from tests.factories import EvidenceFactory
from tests.reports import termly_data
from tests.reports.termly_data import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(world, time_machine):
    time_machine.move_to(termly_data.at(TODAY), tick=False)
    termly_data.calendar(world)
    termly_data.populate(world, 3)
    return world


def test_trust_admin_sees_schools_and_providers_with_costs(client, data):
    sign_in(client, data.personas["a.trust_admin"])
    response = client.get(reverse("trust_overview"))
    assert response.status_code == 200
    body = response.content.decode()
    assert data.schools["a1"].name in body and data.schools["a2"].name in body
    assert str(data.providers["a"]) in body
    # 3 pupils a school at £150 a week for 4 weeks plus £25: 3 * 625.
    assert "£1,875.00" in body
    assert "No visit yet" in body  # the other provider's QA outcome
    assert "Nameless" not in body


def test_sorting_and_csv(client, data):
    sign_in(client, data.personas["a.trust_admin"])
    body = client.get(reverse("trust_overview") + "?sort=-name").content.decode()
    assert body.index(data.schools["a2"].name) < body.index(data.schools["a1"].name)
    body = client.get(reverse("trust_overview") + "?sort=name").content.decode()
    assert body.index(data.schools["a1"].name) < body.index(data.schools["a2"].name)
    assert client.get(reverse("trust_overview") + "?sort=nonsense&psort=-").status_code == 200
    csv = client.get(reverse("trust_overview_csv"))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode()
    assert "School,Pupils in AP now" in text and "Provider,Status" in text
    assert data.schools["a2"].name in text


def test_only_trust_admins_open_the_overview(client, data):
    for key in ("a.school_governor", "a.trust_governor", "a.headteacher", "a.provider_staff"):
        sign_in(client, data.personas[key])
        assert client.get(reverse("trust_overview")).status_code == 403, key
        assert client.get(reverse("trust_overview_csv")).status_code == 403, key


def test_one_status_per_provider_on_the_overview_and_the_report(client, data):
    with scopes_disabled():
        EvidenceFactory(
            provider=data.providers["a"],
            evidence_type="public_liability_insurance",
            issue_date=date(2025, 11, 1),
            expiry_date=date(2026, 11, 1),
        )
    expected = "Approved, but critical evidence has expired"
    sign_in(client, data.personas["a.trust_admin"])
    assert expected in client.get(reverse("trust_overview")).content.decode()
    sign_in(client, data.personas["a.trust_governor"])
    report = client.get(reverse("trust_report")).content.decode()
    assert expected in report
    # The governor's home page and the provider's own page say the same.
    assert expected in client.get(reverse("governor_dashboard")).content.decode()
    sign_in(client, data.personas["a.trust_admin"])
    page = client.get(reverse("providers:provider_detail", kwargs={"provider_pk": data.providers["a"].pk}))
    assert expected in page.content.decode()


def test_standing_rules():
    today = date(2026, 11, 23)
    assert standing_of(status="approved", approved_until=date(2027, 1, 1), today=today).label == "Approved"
    assert (
        standing_of(status="approved", approved_until=date(2027, 1, 1), today=today, expired=["x"]).tone
        == "danger"
    )
    assert "ran out" in standing_of(status="approved", approved_until=date(2026, 1, 1), today=today).label
    assert standing_of(status="approved", approved_until=None, today=today, expiring=["x"]).tone == "warning"
    assert standing_of(status="lapsed", approved_until=None, today=today).tone == "danger"
    assert standing_of(status="draft", approved_until=None, today=today).tone == "secondary"


def test_overview_queries_do_not_grow(client, world, time_machine, django_assert_max_num_queries):
    time_machine.move_to(termly_data.at(TODAY), tick=False)
    termly_data.calendar(world)
    sign_in(client, world.personas["a.trust_admin"])
    termly_data.populate(world, 1, weeks=2)
    client.get(reverse("trust_overview"))
    with django_assert_max_num_queries(25) as small:
        assert client.get(reverse("trust_overview")).status_code == 200
    termly_data.populate(world, 6, start=10, weeks=6)
    with scopes_disabled():
        from tests.factories import ProviderFactory, SchoolFactory

        SchoolFactory(trust=world.trust_a)
        ProviderFactory(trust=world.trust_a, status="approved", approved_until=date(2027, 8, 31))
    with django_assert_max_num_queries(25) as large:
        assert client.get(reverse("trust_overview")).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_overview_shows_each_providers_latest_qa_outcome(client, data):
    from tests.qa.conftest import CompletedVisitFactory

    with scopes_disabled():
        CompletedVisitFactory(
            provider=data.providers["a"], visit_date=date(2026, 9, 20), outcome="does_not_meet"
        )
        CompletedVisitFactory(
            provider=data.providers["a"], visit_date=date(2026, 10, 20), outcome="meets_most"
        )
    sign_in(client, data.personas["a.trust_admin"])
    body = client.get(reverse("trust_overview")).content.decode()
    assert "Meets most standards, with agreed improvements (20 Oct 2026)" in body
    assert "Does not meet the standards" not in body
