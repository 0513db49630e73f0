"""What the providers services share: the status sets of the approval workflow and the wording helpers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from providers.models import Provider

Status = Provider.Status

SUBMIT_FROM = {Status.DRAFT, Status.REJECTED, Status.SUSPENDED, Status.LAPSED}
DECIDE_FROM = {Status.SUBMITTED}
SUSPEND_FROM = set(Provider.APPROVED_STATUSES)
LAPSE_FROM = set(Provider.APPROVED_STATUSES)


def money(amount) -> str:
    amount = Decimal(amount)
    return f"£{amount:,.2f}" if amount % 1 else f"£{amount:,.0f}"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
