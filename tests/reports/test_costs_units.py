"""Rates per session, day, week or term with transport: the arithmetic over period boundaries, invoices checked
against them, the figures of the termly report (page and PDF) and the overview, and pinned queries with
termly rates in the data."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from reports import services
from reports.costs import COST_DEFINITION, Rates, TermShares, Usage, invoice_checks, period_cost
from reports.models import Invoice
from tests.conftest import sign_in
from tests.factories import (
    ExpectedSessionFactory,
    PlacementFactory,
    PupilFactory,
    RegisterMarkFactory,
    TermFactory,
)
from tests.reports import termly_data
from tests.reports.termly_data import TODAY

START = date(2026, 9, 7)
AUTUMN_DAYS = 73  # 2 Sep to 18 Dec 2026, less the half-term week of 26 Oct
SPRING_DAYS = 54  # 4 Jan to 26 Mar 2027, less half-term (15 to 19 Feb) and Good Friday (26 Mar)


def rates(rate=None, unit="", transport=None, transport_unit="", **kw):
    return Rates(
        rate=rate,
        unit=unit,
        transport=transport,
        transport_unit=transport_unit,
        registration=kw.get("registration"),
        extras=kw.get("extras"),
        start_date=kw.get("start_date", START),
        ended_on=kw.get("ended_on"),
    )


# --- Arithmetic -------------------------------------------------------------------------------------------


def test_each_unit_counts_its_own_thing():
    usage = Usage(expected=10, possible=10, attended=8, weeks=3, days=6, terms=Decimal("0.5"))
    span = {"start": date(2026, 10, 1), "end": date(2026, 10, 31)}  # the placement started before
    assert period_cost(rates(Decimal("40"), "session"), usage, **span) == Decimal("400.00")
    assert period_cost(rates(Decimal("100"), "day"), usage, **span) == Decimal("600.00")
    assert period_cost(rates(Decimal("300"), "week"), usage, **span) == Decimal("900.00")
    assert period_cost(rates(Decimal("2000"), "term"), usage, **span) == Decimal("1000.00")
    assert period_cost(rates(unit="day"), usage, **span) is None  # a unit with no amount is no rate


def test_transport_by_its_own_unit_and_a_fixed_amount_once():
    usage = Usage(expected=10, weeks=3, days=6, terms=Decimal("0.25"))
    before, after = date(2026, 9, 1), date(2026, 9, 30)  # holds START
    later = (date(2026, 10, 1), date(2026, 10, 31))
    day = rates(Decimal("100"), "day", Decimal("15"), "day")
    assert period_cost(day, usage, start=before, end=after) == Decimal("690.00")
    week = rates(Decimal("100"), "day", Decimal("40"), "week")
    assert period_cost(week, usage, start=before, end=after) == Decimal("720.00")
    term = rates(Decimal("100"), "day", Decimal("400"), "term")
    assert period_cost(term, usage, start=before, end=after) == Decimal("700.00")
    fixed = rates(Decimal("100"), "day", Decimal("75"), "fixed", registration=Decimal("20"))
    assert period_cost(fixed, usage, start=before, end=after) == Decimal("695.00")
    # The fixed transport and the registration were paid in the period the placement started.
    assert period_cost(fixed, usage, start=later[0], end=later[1]) == Decimal("600.00")


def test_the_rate_in_words():
    assert rates(Decimal("65"), "session").label == "£65.00 per session"
    assert rates(Decimal("2400"), "term", Decimal("18"), "day").label == (
        "£2,400.00 per term; transport £18.00 per day"
    )
    assert rates().label == "No rate agreed"


@pytest.fixture
def calendar(world, time_machine):
    time_machine.move_to(termly_data.at(TODAY), tick=False)
    terms = termly_data.calendar(world)
    with scopes_disabled():
        terms["spring"] = TermFactory(
            academic_year=terms["autumn"].academic_year,
            name="spring",
            start_date=date(2027, 1, 4),
            end_date=date(2027, 3, 26),
            half_term_start=date(2027, 2, 15),
            half_term_end=date(2027, 2, 19),
        )
    return terms


@pytest.mark.django_db
def test_a_termly_rate_is_shared_by_school_days_across_a_term_boundary(world, calendar):
    school = world.schools["a1"].pk
    with scope(trust=world.trust_a.pk):
        shares = TermShares({school})
        whole = shares.share(school, date(2026, 9, 1), date(2026, 12, 31))
        assert whole == 1  # every school day of the autumn term, none of the holiday around it
        september = shares.share(school, date(2026, 9, 1), date(2026, 9, 30))
        assert september == Decimal(21) / AUTUMN_DAYS
        # December to January: the last 14 days of autumn and the first 20 of spring, each of its own term.
        across = shares.share(school, date(2026, 12, 1), date(2027, 1, 29))
        assert across == Decimal(14) / AUTUMN_DAYS + Decimal(20) / SPRING_DAYS
        term_rate = rates(Decimal("2190"), "term", start_date=date(2026, 9, 2))
        usage = Usage(terms=september)
        assert period_cost(term_rate, usage, start=date(2026, 9, 1), end=date(2026, 9, 30)) == Decimal(
            "630.00"
        )
        # A placement that starts mid-period or has ended counts only its own days.
        late = rates(Decimal("2190"), "term", start_date=date(2026, 9, 16))
        assert shares.for_placement(late, school, start=date(2026, 9, 1), end=date(2026, 9, 30)) == (
            Decimal(11) / AUTUMN_DAYS
        )
        ended = rates(Decimal("2190"), "term", start_date=date(2026, 9, 2), ended_on=date(2026, 9, 4))
        assert shares.for_placement(ended, school, start=date(2026, 9, 1), end=date(2026, 9, 30)) == (
            Decimal(3) / AUTUMN_DAYS
        )
        # A session-rate placement needs no calendar at all.
        assert shares.for_placement(rates(Decimal("40"), "session"), school, start=START, end=START) == 0


# --- Invoices ---------------------------------------------------------------------------------------------


def _placement(world, *, school="a1", sessions=(), **fields):
    fields.setdefault("start_date", START)
    with scopes_disabled():
        p = PlacementFactory(
            pupil=PupilFactory(school=world.schools[school]),
            provider=world.providers["a"],
            status="active",
            planned_end_date=date(2027, 2, 12),
            **fields,
        )
        for day, session, status in sessions:
            RegisterMarkFactory(
                expected_session=ExpectedSessionFactory(placement=p, date=day, session=session), status=status
            )
    return p


# Two days of two sessions and one morning: three days, five sessions, all in the week of 7 September and
# the week after.
FIVE_SESSIONS = (
    (date(2026, 9, 7), "am", "present"),
    (date(2026, 9, 7), "pm", "present"),
    (date(2026, 9, 8), "am", "absent"),
    (date(2026, 9, 8), "pm", "present"),
    (date(2026, 9, 14), "am", "late"),
)


@pytest.mark.django_db
def test_invoices_are_checked_against_day_and_term_rates_with_transport(world, calendar):
    lead = world.personas["a.ap_lead"]
    by_day = _placement(
        world,
        sessions=FIVE_SESSIONS,
        rate=Decimal("110.00"),
        rate_unit="day",
        transport_cost=Decimal("12.00"),
        transport_cost_unit="day",
    )
    by_term = _placement(
        world,
        sessions=FIVE_SESSIONS,
        rate=Decimal("2190.00"),
        rate_unit="term",
        transport_cost=Decimal("75.00"),
        transport_cost_unit="fixed",
        start_date=date(2026, 9, 1),
    )
    with scope(trust=world.trust_a.pk):
        day_invoice = services.invoice_record(
            by=lead,
            placement=by_day,
            number="D-1",
            period_start=START,
            period_end=date(2026, 9, 30),
            amount=Decimal("366.00"),  # 3 days at £110 and £12 taxi
        )
        term_invoice = services.invoice_record(
            by=lead,
            placement=by_term,
            number="T-1",
            period_start=date(2026, 9, 1),
            period_end=date(2026, 9, 30),
            amount=Decimal("800.00"),
        )
        checks = invoice_checks(lead, Invoice.objects.select_related("placement"))
    assert checks[day_invoice.pk].sessions.days == 3 and checks[day_invoice.pk].expected == Decimal("366.00")
    assert checks[day_invoice.pk].matches
    # 21 of the autumn term's 73 school days at £2,190 = £630, and the £75 fixed transport once.
    assert checks[term_invoice.pk].expected == Decimal("705.00")
    assert "£95.00 more" in checks[term_invoice.pk].verdict


# --- The termly report and the overview -------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _report_url(name, school, term):
    return reverse(name, args=[school.pk]) + f"?term={term.pk}"


@pytest.fixture
def costed(world, calendar):
    """At school a1 in the autumn term: a day rate with a daily taxi, and a termly rate with termly transport
    that ran the whole term, each with the five sessions above."""
    _placement(
        world,
        sessions=FIVE_SESSIONS,
        rate=Decimal("110.00"),
        rate_unit="day",
        transport_cost=Decimal("12.00"),
        transport_cost_unit="day",
    )
    _placement(
        world,
        sessions=FIVE_SESSIONS,
        rate=Decimal("2190.00"),
        rate_unit="term",
        transport_cost=Decimal("146.00"),
        transport_cost_unit="term",
        start_date=date(2026, 9, 1),
    )
    return calendar


@pytest.mark.django_db
def test_termly_report_costs_with_day_and_term_rates_and_transport(client, world, costed):
    sign_in(client, world.personas["a.school_governor"])
    response = client.get(_report_url("school_report", world.schools["a1"], costed["autumn"]))
    text = response.content.decode()
    # Day rate: 3 days x (£110 + £12) = £366. Term rate: the whole term's school days = £2,190 + £146.
    assert "£2,702.00" in text  # agreed cost of the term
    assert "£182.00" in text  # of which transport: £36 + £146
    assert "£1,351.00" in text  # per pupil: 2,702 / 2
    assert "£337.75" in text  # per attended session: 2,702 / 8
    assert "for a termly rate, each term" in text  # the one-line definition is on the page
    pdf = client.get(_report_url("school_report_pdf", world.schools["a1"], costed["autumn"]))
    pdf_text = _pdf_text(pdf.content)
    assert "£2,702.00" in pdf_text and "Of which transport" in pdf_text and "£182.00" in pdf_text
    csv = client.get(_report_url("school_report_csv", world.schools["a1"], costed["autumn"]))
    assert "Of which transport" in csv.content.decode()


@pytest.mark.django_db
def test_a_custom_period_prorates_the_termly_rate(client, world, costed):
    sign_in(client, world.personas["a.school_governor"])
    url = reverse("school_report", args=[world.schools["a1"].pk]) + "?start=2026-09-01&end=2026-09-30"
    text = client.get(url).content.decode()
    # £366 for the day rate; (2,190 + 146) x 21/73 = £672.00 for the term rate.
    assert "£1,038.00" in text


@pytest.mark.django_db
def test_overview_shows_cost_per_pupil_and_per_attended_session(client, world, costed):
    sign_in(client, world.personas["a.trust_admin"])
    response = client.get(reverse("trust_overview"))
    body = response.content.decode()
    # From 1 September to 23 November: the day rate's £366 and 54 of the term's 73 school days at £2,336.
    cost = Decimal("366") + (Decimal("2336") * 54 / 73).quantize(Decimal("0.01"))
    assert f"£{cost:,.2f}" in body
    assert f"£{cost / 2:,.2f}" in body  # per pupil
    assert f"£{cost / 8:,.2f}" in body  # per attended session
    assert "Cost per attended session" in body
    assert COST_DEFINITION[:40] in body


@pytest.mark.django_db
def test_report_overview_and_invoice_queries_do_not_grow_with_termly_rates(
    client, world, calendar, django_assert_max_num_queries
):
    lead = world.personas["a.ap_lead"]

    def add(n, offset):
        for i in range(n):
            p = _placement(
                world,
                school="a1" if i % 2 else "a2",
                sessions=FIVE_SESSIONS,
                rate=Decimal("2190.00"),
                rate_unit="term",
                transport_cost=Decimal("10.00"),
                transport_cost_unit="day",
                start_date=date(2026, 9, 1) + timedelta(days=i % 3),
            )
            with scope(trust=world.trust_a.pk):
                services.invoice_record(
                    by=lead,
                    placement=p,
                    number=f"Q{offset + i}",
                    period_start=p.start_date,
                    period_end=date(2026, 9, 30),
                    amount=Decimal("700"),
                )

    pages = {
        "a.trust_governor": reverse("trust_report") + f"?term={calendar['autumn'].pk}",
        "a.trust_admin": reverse("trust_overview"),
        "a.ap_lead": reverse("invoice_list"),
    }
    add(2, 0)
    small = {}
    for persona, url in pages.items():
        sign_in(client, world.personas[persona])
        client.get(url)
        with django_assert_max_num_queries(40) as counted:
            assert client.get(url).status_code == 200
        small[persona] = len(counted.captured_queries)
    add(9, 100)
    for persona, url in pages.items():
        sign_in(client, world.personas[persona])
        client.get(url)  # the session and memberships into the cache, as in the first count
        with django_assert_max_num_queries(40) as counted:
            assert client.get(url).status_code == 200
        assert len(counted.captured_queries) == small[persona], persona
