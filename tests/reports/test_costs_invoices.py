"""Agreed costs, invoices checked against the sessions, and small-number suppression."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from reports import services
from reports.anonymise import Anonymiser
from reports.costs import Rates, Usage, invoice_checks, period_cost
from reports.models import Invoice
from tests.conftest import sign_in
from tests.factories import ExpectedSessionFactory, PlacementFactory, PupilFactory, RegisterMarkFactory
from trusts.errors import DomainError

START = date(2026, 9, 7)


def rates(**kw):
    base = {
        "rate": None,
        "unit": "",
        "transport": None,
        "transport_unit": "",
        "registration": None,
        "extras": None,
        "start_date": START,
    }
    for unit in ("session", "week", "day", "term"):
        if f"per_{unit}" in kw:
            base.update(rate=kw.pop(f"per_{unit}"), unit=unit)
    base.update(kw)
    return Rates(**base)


def test_cost_per_session_counts_expected_sessions_and_one_offs_once():
    r = rates(per_session=Decimal("40"), registration=Decimal("25"), extras=Decimal("10"))
    usage = Usage(expected=10, possible=9, attended=7, weeks=5)
    assert period_cost(r, usage, start=date(2026, 9, 1), end=date(2026, 12, 18)) == Decimal("435.00")
    # A later period: the one-off costs were counted when the placement started.
    assert period_cost(r, usage, start=date(2027, 1, 4), end=date(2027, 3, 25)) == Decimal("400.00")


def test_cost_per_week_counts_weeks_with_a_session_and_no_rate_is_unknown():
    assert period_cost(
        rates(per_week=Decimal("150")), Usage(expected=9, weeks=3), start=START, end=START
    ) == Decimal("450.00")
    assert period_cost(rates(), Usage(expected=9, weeks=3), start=START, end=START) is None


def test_small_numbers_are_withheld():
    anon = Anonymiser(5)
    assert anon.count(0).text == "0"
    assert anon.count(3).text == "fewer than 5" and anon.count(3).hidden
    assert anon.count(5).text == "5"
    assert anon.share(3, 20).text == "fewer than 5"
    assert anon.share(18, 20).text == "all but fewer than 5"
    assert anon.share(10, 20).text == "10 (50%)"
    assert anon.rate(91.25, base=3).hidden
    assert anon.rate(91.25, base=6).text == "91.2%"
    # One withheld cell of a breakdown takes the next smallest with it.
    cells = anon.breakdown([2, 7, 9, 0])
    assert [c.hidden for c in cells] == [True, True, False, False]
    assert Anonymiser(1).threshold == 2


@pytest.fixture
def placement(world):
    with scopes_disabled():
        p = PlacementFactory(
            pupil=PupilFactory(school=world.schools["a1"]),
            provider=world.providers["a"],
            status="active",
            start_date=START,
            planned_end_date=date(2027, 2, 12),
            rate=Decimal("45.00"),
            rate_unit="session",
        )
        for day, status in (
            (date(2026, 9, 7), "present"),
            (date(2026, 9, 14), "absent"),
            (date(2026, 9, 21), "late"),
        ):
            RegisterMarkFactory(expected_session=ExpectedSessionFactory(placement=p, date=day), status=status)
    return p


@pytest.mark.django_db
def test_invoice_recorded_and_checked_against_sessions(world, placement):
    lead = world.personas["a.ap_lead"]
    with scope(trust=world.trust_a.pk):
        fair = services.invoice_record(
            by=lead,
            placement=placement,
            number="INV-1",
            period_start=START,
            period_end=date(2026, 9, 30),
            amount=Decimal("135.00"),
        )
        over = services.invoice_record(
            by=lead,
            placement=placement,
            number="INV-2",
            period_start=START,
            period_end=date(2026, 9, 14),
            amount=Decimal("200.00"),
        )
        checks = invoice_checks(lead, Invoice.objects.select_related("placement"))
    assert checks[fair.pk].matches and checks[fair.pk].sessions.expected == 3
    assert checks[fair.pk].sessions.attended == 2
    assert not checks[over.pk].matches
    assert "£110.00 more" in checks[over.pk].verdict


@pytest.mark.django_db
def test_bad_invoices_are_refused_with_reasons(world, placement):
    lead = world.personas["a.ap_lead"]
    with scope(trust=world.trust_a.pk):
        with pytest.raises(DomainError, match="before the placement"):
            services.invoice_record(
                by=lead,
                placement=placement,
                number="X",
                period_start=date(2026, 8, 1),
                period_end=date(2026, 9, 30),
                amount=Decimal("1"),
            )
        with pytest.raises(DomainError, match="past the placement's end"):
            services.invoice_record(
                by=lead,
                placement=placement,
                number="X",
                period_start=START,
                period_end=date(2027, 3, 1),
                amount=Decimal("1"),
            )
        with pytest.raises(DomainError, match="right way round"):
            services.invoice_record(
                by=lead,
                placement=placement,
                number="X",
                period_start=date(2026, 9, 30),
                period_end=START,
                amount=Decimal("1"),
            )
        services.invoice_record(
            by=lead,
            placement=placement,
            number="X",
            period_start=START,
            period_end=START,
            amount=Decimal("1"),
        )
        with pytest.raises(DomainError, match="already recorded"):
            services.invoice_record(
                by=lead,
                placement=placement,
                number="X",
                period_start=START,
                period_end=START,
                amount=Decimal("1"),
            )
        with pytest.raises(DomainError):
            services.invoice_record(
                by=world.personas["a.school_governor"],
                placement=placement,
                number="Y",
                period_start=START,
                period_end=START,
                amount=Decimal("1"),
            )
        assert Invoice.objects.count() == 1


@pytest.mark.django_db
def test_invoice_pages_record_list_and_decide(client, world, placement, django_assert_max_num_queries):
    sign_in(client, world.personas["a.ap_lead"])
    url = reverse("invoice_new", args=[placement.pk])
    response = client.post(
        url, {"number": "P-9", "period_start": "2026-08-01", "period_end": "2026-09-30", "amount": "90"}
    )
    assert response.status_code == 200
    assert "before the placement" in response.content.decode()
    response = client.post(
        url, {"number": "P-9", "period_start": "2026-09-07", "period_end": "2026-09-30", "amount": "135"}
    )
    assert response.status_code == 302
    with scopes_disabled():
        invoice = Invoice.objects.get()
    with django_assert_max_num_queries(16):
        page = client.get(reverse("invoice_list"))
    assert "Matches the expected sessions" in page.content.decode()
    response = client.post(reverse("invoice_decide", args=[invoice.pk]), {"status": "disputed", "note": ""})
    assert response.status_code == 302
    with scopes_disabled():
        invoice.refresh_from_db()
    assert invoice.status == "received"  # a dispute needs a reason
    client.post(reverse("invoice_decide", args=[invoice.pk]), {"status": "approved"})
    with scopes_disabled():
        invoice.refresh_from_db()
    assert invoice.status == "approved" and invoice.decided_by == world.personas["a.ap_lead"].user


@pytest.mark.django_db
def test_invoices_of_another_school_or_trust_are_404(client, world, placement):
    with scopes_disabled():
        invoice = Invoice.objects.create(
            trust=world.trust_a,
            placement=placement,
            number="Z",
            period_start=START,
            period_end=START,
            amount=Decimal("1"),
        )
    sign_in(client, world.personas["a2.ap_lead"])
    assert (
        client.post(reverse("invoice_decide", args=[invoice.pk]), {"status": "approved"}).status_code == 404
    )
    assert client.get(reverse("invoice_new", args=[placement.pk])).status_code == 404
    assert f'data-testid="invoice-{invoice.pk}"' not in client.get(reverse("invoice_list")).content.decode()
    sign_in(client, world.personas["a.school_governor"])
    assert client.get(reverse("invoice_list")).status_code == 403


@pytest.mark.django_db
def test_invoice_list_queries_do_not_grow(client, world, placement, django_assert_max_num_queries):
    lead = world.personas["a.ap_lead"]
    sign_in(client, lead)

    def add(n, offset):
        with scope(trust=world.trust_a.pk):
            for i in range(n):
                services.invoice_record(
                    by=lead,
                    placement=placement,
                    number=f"N{offset + i}",
                    period_start=START,
                    period_end=date(2026, 9, 30),
                    amount=Decimal("135"),
                )

    add(2, 0)
    client.get(reverse("invoice_list"))
    with django_assert_max_num_queries(16) as small:
        client.get(reverse("invoice_list"))
    add(10, 100)
    with django_assert_max_num_queries(16) as large:
        client.get(reverse("invoice_list"))
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.django_db
def test_record_an_invoice_starts_from_the_list(client, world, placement):
    sign_in(client, world.personas["a.ap_lead"])
    body = client.get(reverse("invoice_list")).content.decode()
    assert f'<option value="{placement.pk}"' in body
    response = client.get(reverse("invoice_list") + f"?placement={placement.pk}")
    assert response["Location"] == reverse("invoice_new", args=[placement.pk])
    sign_in(client, world.personas["a2.ap_lead"])
    assert client.get(reverse("invoice_list") + f"?placement={placement.pk}").status_code == 404
    assert client.get(reverse("invoice_list") + "?placement=nonsense").status_code == 404


def test_csv_cells_never_start_a_formula():
    from trusts.csv_export import neutralise as safe_cell

    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-12.5") == "-12.5"
    assert safe_cell("Pennine Skills Hub") == "Pennine Skills Hub"
    assert safe_cell(3) == 3


@pytest.mark.django_db
def test_record_an_invoice_offers_each_invoiceable_placement_of_the_school_by_name(client, world, placement):
    from tests.factories import ProviderFactory

    with scopes_disabled():
        farm = ProviderFactory(
            trust=world.trust_a, legal_name="Legal Farm Ltd", trading_name="Oak & <Ash> Farm"
        )
        agreed = PlacementFactory(
            pupil=PupilFactory(
                school=world.schools["a1"],
                legal_first_name="Robert",
                preferred_name="Bob",
                legal_last_name="Lee",
            ),
            provider=farm,
            status="agreed",
            start_date=date(2025, 1, 6),
        )
        draft = PlacementFactory(pupil=PupilFactory(school=world.schools["a1"]), status="draft")
        elsewhere = PlacementFactory(pupil=PupilFactory(school=world.schools["a2"]), status="active")
    sign_in(client, world.personas["a.ap_lead"])
    body = client.get(reverse("invoice_list")).content.decode()
    assert (
        f'<option value="{agreed.pk}">Bob Lee at Oak &amp; &lt;Ash&gt; Farm, from 6 Jan 2025 (agreed)</option>'
        in body
    )
    pupil = placement.pupil
    assert (
        f'<option value="{placement.pk}">{pupil.legal_first_name} {pupil.legal_last_name} at {placement.provider}, '
        "from 7 Sep 2026 (active)</option>" in body
    )
    # Newest first.
    assert body.index(f'<option value="{placement.pk}">') < body.index(f'<option value="{agreed.pk}">')
    assert f'<option value="{draft.pk}"' not in body and f'<option value="{elsewhere.pk}"' not in body
