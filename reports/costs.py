"""What a placement should cost over a period, from the rates agreed in its agreement, and how a provider's
invoice compares with it.

The agreed costs live on the placement (Appendix B of the commissioning agreement): one rate with the unit it
is paid by (session, day, week or term), a transport cost with its own unit (day, week, term, or a fixed amount
paid once), a one-off registration cost and one-off extra costs. What a period costs follows the pupil's expected
sessions and the term calendar; ``COST_DEFINITION`` says it in one line for the reports.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek

from attendance.models import ExpectedSession
from attendance.selectors import ATTENDED, POSSIBLE
from placements.models import RateUnit, TransportCostUnit
from trusts.calendar import calendars_for
from trusts.models import School

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# An invoice within this much of the expected cost is taken as matching (rounding on the provider's side).
INVOICE_TOLERANCE = Decimal("1.00")

BASIS_NONE = ""
BASIS_LABELS = {**dict(RateUnit.choices), BASIS_NONE: "no rate agreed"}

COST_DEFINITION = (
    "The rate times what its unit counts in the period: sessions expected; days or weeks with at least one "
    "expected session; or, for a termly rate, each term's share of school days that fall in the period while "
    "the placement runs (10 of a term's 60 school days = 1/6 of the rate). Transport is counted the same way "
    "(a fixed transport amount once, when the placement starts), plus one-off costs of placements that started "
    "in the period."
)

# The fields of a placement (or of a ``values()`` row) the cost reads.
RATE_FIELDS = (
    "school_id",
    "rate",
    "rate_unit",
    "transport_cost",
    "transport_cost_unit",
    "registration_cost",
    "extra_costs",
    "start_date",
    "ended_on",
)


@dataclass(frozen=True)
class Rates:
    rate: Decimal | None
    unit: str
    transport: Decimal | None
    transport_unit: str
    registration: Decimal | None
    extras: Decimal | None
    start_date: date
    ended_on: date | None = None

    @classmethod
    def of(cls, placement) -> Rates:
        """From a Placement, or from a ``values()`` row carrying the same field names."""
        get = placement.get if isinstance(placement, dict) else lambda k: getattr(placement, k)
        return cls(
            rate=get("rate"),
            unit=get("rate_unit") or BASIS_NONE,
            transport=get("transport_cost"),
            transport_unit=get("transport_cost_unit") or "",
            registration=get("registration_cost"),
            extras=get("extra_costs"),
            start_date=get("start_date"),
            ended_on=get("ended_on"),
        )

    @property
    def basis(self) -> str:
        return self.unit if self.rate is not None and self.unit else BASIS_NONE

    @property
    def has_rate(self) -> bool:
        return self.basis != BASIS_NONE

    @property
    def needs_terms(self) -> bool:
        """Whether the cost needs the term calendar (a termly rate or termly transport)."""
        return (self.has_rate and self.unit == RateUnit.TERM) or (
            self.transport is not None and self.transport_unit == TransportCostUnit.TERM
        )

    @property
    def label(self) -> str:
        """The agreed rate in words, e.g. "£65.00 per session; transport £12.00 per day"."""
        text = f"£{self.rate:,.2f} {BASIS_LABELS[self.unit]}" if self.has_rate else "No rate agreed"
        if self.transport is not None and self.transport_unit:
            text += f"; transport £{self.transport:,.2f} {TransportCostUnit(self.transport_unit).label}"
        return text


@dataclass(frozen=True)
class Usage:
    """A placement's sessions over a period: expected, possible (marked present, late or absent), attended,
    the days and the weeks with at least one expected session, and how many terms' worth of school days the
    period holds while the placement runs (only worked out for placements with a termly cost)."""

    expected: int = 0
    possible: int = 0
    attended: int = 0
    weeks: int = 0
    days: int = 0
    terms: Decimal = Decimal("0")


@dataclass(frozen=True)
class PeriodCost:
    sessions: Decimal  # the rate times its unit's count
    transport: Decimal  # by its unit; a fixed amount in the period the placement starts
    one_off: Decimal  # registration and extras of a placement that started in the period

    @property
    def total(self) -> Decimal:
        return self.sessions + self.transport + self.one_off


def _count(unit: str, usage: Usage):
    return {
        RateUnit.SESSION: usage.expected,
        RateUnit.DAY: usage.days,
        RateUnit.WEEK: usage.weeks,
        RateUnit.TERM: usage.terms,
    }.get(unit, 0)


def period_costs(rates: Rates, usage: Usage, *, start: date, end: date) -> PeriodCost | None:
    """The agreed cost of [start, end] (inclusive), in its parts; None where the placement has no rate."""
    if not rates.has_rate:
        return None
    starts_here = start <= rates.start_date <= end
    sessions = rates.rate * _count(rates.unit, usage)
    transport, one_off = ZERO, ZERO
    if rates.transport is not None and rates.transport_unit == TransportCostUnit.FIXED:
        transport = rates.transport if starts_here else ZERO
    elif rates.transport is not None:
        transport = rates.transport * _count(rates.transport_unit, usage)
    if starts_here:
        one_off += (rates.registration or ZERO) + (rates.extras or ZERO)
    return PeriodCost(
        sessions=Decimal(sessions).quantize(CENT),
        transport=Decimal(transport).quantize(CENT),
        one_off=Decimal(one_off).quantize(CENT),
    )


def period_cost(rates: Rates, usage: Usage, *, start: date, end: date) -> Decimal | None:
    """The agreed cost of [start, end] (inclusive); None where the placement has no rate agreed."""
    costs = period_costs(rates, usage, start=start, end=end)
    return None if costs is None else costs.total


class TermShares:
    """How many terms' worth of school days fall in a stretch of dates, per school. Three queries for the
    calendars of all the schools (made only when asked about a placement with a termly cost), then memory."""

    def __init__(self, school_ids):
        self._school_ids = set(school_ids)
        self._calendars = None
        self._term_days: dict[tuple[int, int], int] = {}
        self._cache: dict[tuple[int, date, date], Decimal] = {}

    def share(self, school_id: int, start: date, end: date) -> Decimal:
        """Sum over the terms of (school days of the term in [start, end]) / (school days of the term)."""
        if end < start:
            return Decimal("0")
        key = (school_id, start, end)
        if key not in self._cache:
            if self._calendars is None or school_id not in self._calendars:
                self._school_ids.add(school_id)
                self._calendars = calendars_for(School.objects.filter(pk__in=self._school_ids))
            calendar = self._calendars[school_id]
            in_period = defaultdict(int)
            for day in calendar.school_days(start, end + timedelta(days=1)):
                in_period[calendar.term_for(day)] += 1
            total = Decimal("0")
            for term, n in in_period.items():
                whole = self._term_days.get((school_id, term.pk))
                if whole is None:
                    whole = calendar.count_between(term.start_date, term.end_date + timedelta(days=1))
                    self._term_days[(school_id, term.pk)] = whole
                total += Decimal(n) / Decimal(whole)
            self._cache[key] = total
        return self._cache[key]

    def for_placement(self, rates: Rates, school_id: int, *, start: date, end: date) -> Decimal:
        """The placement's share of terms over [start, end]: from its first day to its last, if it ended."""
        if not rates.needs_terms:
            return Decimal("0")
        last = min(end, rates.ended_on) if rates.ended_on else end
        return self.share(school_id, max(start, rates.start_date), last)


def usage_by_placement(
    membership, *, placement_ids, start: date, end: date, placements=(), terms: TermShares | None = None
) -> dict[int, Usage]:
    """One query: each placement's sessions in [start, end]. Given the placements' rows (``RATE_FIELDS``) and
    a ``TermShares``, those with a termly cost also get their share of terms."""
    rows = (
        ExpectedSession.objects.visible_to(membership)
        .filter(placement_id__in=placement_ids, date__gte=start, date__lte=end)
        .values("placement_id")
        .annotate(
            expected=Count("pk"),
            possible=Count("pk", filter=POSSIBLE),
            attended=Count("pk", filter=ATTENDED),
            weeks=Count(TruncWeek("date"), distinct=True),
            days=Count("date", distinct=True),
        )
        .order_by()
    )
    usage = {
        r["placement_id"]: Usage(r["expected"], r["possible"], r["attended"], r["weeks"], r["days"])
        for r in rows
    }
    for p in placements:
        rates = Rates.of(p)
        if terms is not None and rates.needs_terms:
            pk, school_id = (p["pk"], p["school_id"]) if isinstance(p, dict) else (p.pk, p.school_id)
            usage[pk] = replace(
                usage.get(pk, Usage()), terms=terms.for_placement(rates, school_id, start=start, end=end)
            )
    return usage


@dataclass(frozen=True)
class InvoiceCheck:
    expected: Decimal | None
    difference: Decimal | None  # invoice minus expected
    sessions: Usage

    @property
    def verdict(self) -> str:
        if self.expected is None:
            return "No rate agreed: check by hand"
        if abs(self.difference) <= INVOICE_TOLERANCE:
            return "Matches the expected sessions"
        if self.difference > 0:
            return f"£{self.difference:,.2f} more than the expected sessions"
        return f"£{-self.difference:,.2f} less than the expected sessions"

    @property
    def matches(self) -> bool:
        return self.difference is not None and abs(self.difference) <= INVOICE_TOLERANCE


def invoice_checks(membership, invoices) -> dict[int, InvoiceCheck]:
    """Each invoice against what its placement's agreed costs come to over the invoiced period. One query for all
    the invoices, however many (the placements and their schools are selected with them), and two more for the
    term calendars when a placement has a termly cost."""
    invoices = list(invoices)
    if not invoices:
        return {}
    start = min(i.period_start for i in invoices)
    end = max(i.period_end for i in invoices)
    by_placement: dict[int, list] = {}
    for row in (
        ExpectedSession.objects.visible_to(membership)
        .filter(placement_id__in={i.placement_id for i in invoices}, date__gte=start, date__lte=end)
        .values_list("placement_id", "date")
        .annotate(n=Count("pk"), possible=Count("pk", filter=POSSIBLE), attended=Count("pk", filter=ATTENDED))
        .order_by()
    ):
        by_placement.setdefault(row[0], []).append(row[1:])
    checks = {}
    terms = TermShares({i.placement.school_id for i in invoices})
    for invoice in invoices:
        days = [
            r
            for r in by_placement.get(invoice.placement_id, [])
            if invoice.period_start <= r[0] <= invoice.period_end
        ]
        rates = Rates.of(invoice.placement)
        usage = Usage(
            expected=sum(r[1] for r in days),
            possible=sum(r[2] for r in days),
            attended=sum(r[3] for r in days),
            weeks=len({d.isocalendar()[:2] for d, *_ in days}),
            days=len({d for d, *_ in days}),
            terms=terms.for_placement(
                rates, invoice.placement.school_id, start=invoice.period_start, end=invoice.period_end
            ),
        )
        expected = period_cost(rates, usage, start=invoice.period_start, end=invoice.period_end)
        checks[invoice.pk] = InvoiceCheck(
            expected=expected,
            difference=None if expected is None else invoice.amount - expected,
            sessions=usage,
        )
    return checks


def invoice_totals(invoices_qs) -> dict[str, Decimal]:
    """Sums of the invoices by status, in one query."""
    from django.db.models import Sum

    from reports.models import Invoice

    totals = invoices_qs.order_by().aggregate(
        **{
            status: Sum("amount", filter=Q(status=status), default=ZERO)
            for status, _ in Invoice.Status.choices
        }
    )
    totals["total"] = sum(totals.values(), ZERO)
    return totals
