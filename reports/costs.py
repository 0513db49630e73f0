"""What a placement should cost over a period, from the rates agreed in its agreement, and how a provider's
invoice compares with it.

The agreed rates live on the placement (Appendix B of the commissioning agreement): a rate per session or per
week, a one-off registration cost and one-off extra costs (each counted in the period the placement starts).
The cost of a period follows the sessions the pupil was expected at: a session rate is paid for every expected
session, a weekly rate for every week with at least one expected session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek

from attendance.models import ExpectedSession
from attendance.selectors import ATTENDED, POSSIBLE

ZERO = Decimal("0.00")
# An invoice within this much of the expected cost is taken as matching (rounding on the provider's side).
INVOICE_TOLERANCE = Decimal("1.00")

BASIS_SESSION = "session"
BASIS_WEEK = "week"
BASIS_NONE = ""
BASIS_LABELS = {BASIS_SESSION: "per session", BASIS_WEEK: "per week", BASIS_NONE: "no rate agreed"}


@dataclass(frozen=True)
class Rates:
    per_session: Decimal | None
    per_week: Decimal | None
    registration: Decimal | None
    extras: Decimal | None
    start_date: date

    @classmethod
    def of(cls, placement) -> Rates:
        """From a Placement, or from a ``values()`` row carrying the same field names."""
        get = placement.get if isinstance(placement, dict) else lambda k: getattr(placement, k)
        return cls(
            per_session=get("cost_per_session"),
            per_week=get("cost_per_week"),
            registration=get("registration_cost"),
            extras=get("extra_costs"),
            start_date=get("start_date"),
        )

    @property
    def basis(self) -> str:
        if self.per_session is not None:
            return BASIS_SESSION
        if self.per_week is not None:
            return BASIS_WEEK
        return BASIS_NONE

    @property
    def has_rate(self) -> bool:
        return self.basis != BASIS_NONE


@dataclass(frozen=True)
class Usage:
    """A placement's sessions over a period: expected, possible (marked present, late or absent), attended,
    and the number of weeks with at least one expected session."""

    expected: int = 0
    possible: int = 0
    attended: int = 0
    weeks: int = 0


def period_cost(rates: Rates, usage: Usage, *, start: date, end: date) -> Decimal | None:
    """The agreed cost of [start, end] (inclusive); None where the placement has no rate agreed."""
    if not rates.has_rate:
        return None
    if rates.basis == BASIS_SESSION:
        cost = rates.per_session * usage.expected
    else:
        cost = rates.per_week * usage.weeks
    if start <= rates.start_date <= end:
        cost += (rates.registration or ZERO) + (rates.extras or ZERO)
    return Decimal(cost).quantize(Decimal("0.01"))


def usage_by_placement(membership, *, placement_ids, start: date, end: date) -> dict[int, Usage]:
    """One query: each placement's sessions in [start, end]."""
    rows = (
        ExpectedSession.objects.visible_to(membership)
        .filter(placement_id__in=placement_ids, date__gte=start, date__lte=end)
        .values("placement_id")
        .annotate(
            expected=Count("pk"),
            possible=Count("pk", filter=POSSIBLE),
            attended=Count("pk", filter=ATTENDED),
            weeks=Count(TruncWeek("date"), distinct=True),
        )
        .order_by()
    )
    return {r["placement_id"]: Usage(r["expected"], r["possible"], r["attended"], r["weeks"]) for r in rows}


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
    """Each invoice against what its placement's expected sessions in the invoiced period should cost. One query
    for all the invoices, however many (the placements are selected with them)."""
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
    for invoice in invoices:
        days = [
            r
            for r in by_placement.get(invoice.placement_id, [])
            if invoice.period_start <= r[0] <= invoice.period_end
        ]
        usage = Usage(
            expected=sum(r[1] for r in days),
            possible=sum(r[2] for r in days),
            attended=sum(r[3] for r in days),
            weeks=len({d.isocalendar()[:2] for d, *_ in days}),
        )
        expected = period_cost(
            Rates.of(invoice.placement), usage, start=invoice.period_start, end=invoice.period_end
        )
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
