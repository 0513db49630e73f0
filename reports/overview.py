"""The trust overview for the central team: per school and per provider, pupils in AP now, weekly hours,
attendance and agreed cost over the academic year so far, the provider's standing, QA outcome, registration-rule
flags and expiring evidence. A fixed number of queries, however many schools, providers, pupils or marks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from attendance import selectors as attendance_selectors
from attendance.models import ExpectedSession
from attendance.selectors import ATTENDED, POSSIBLE
from placements.models import Placement
from providers.models import Provider
from providers.registration import PlacementFact, registration_check
from providers.standing import standings
from reports.costs import (
    COST_DEFINITION,
    RATE_FIELDS,
    ZERO,
    Rates,
    TermShares,
    Usage,
    period_cost,
    usage_by_placement,
)
from reports.termly import IN_AP, qa_outcomes
from trusts.models import School
from trusts.selectors import trust_policy
from trusts.snapshots import Snapshot, snapshot


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = True


SCHOOL_COLUMNS = [
    Column("name", "School", numeric=False),
    Column("pupils", "Pupils in AP now"),
    Column("hours", "Hours a week at providers"),
    Column("attendance", "Attendance this year (%)"),
    Column("cost", "Agreed cost this year (£)"),
    Column("cost_per_pupil", "Cost per pupil this year (£)"),
    Column("cost_per_session", "Cost per attended session (£)"),
    Column("providers", "Providers used"),
]
PROVIDER_COLUMNS = [
    Column("name", "Provider", numeric=False),
    Column("status", "Status", numeric=False),
    Column("pupils", "Pupils in AP now"),
    Column("hours", "Hours a week"),
    Column("attendance", "Attendance this year (%)"),
    Column("cost", "Agreed cost this year (£)"),
    Column("cost_per_pupil", "Cost per pupil this year (£)"),
    Column("cost_per_session", "Cost per attended session (£)"),
    Column("qa", "QA outcome", numeric=False),
    Column("registration", "Registration rule", numeric=False),
    Column("evidence", "Critical evidence", numeric=False),
]


def sort_rows(rows: list[dict], columns: list[Column], sort: str) -> tuple[list[dict], str]:
    """Rows sorted by ``sort`` ("pupils", or "-pupils" for descending); empty values last either way."""
    key = sort.lstrip("-")
    column = next((c for c in columns if c.key == key), columns[0])
    descending = sort.startswith("-") and column.key == key
    present = [r for r in rows if r[column.key] is not None]
    missing = [r for r in rows if r[column.key] is None]
    value = (lambda r: r[column.key]) if column.numeric else (lambda r: str(r[column.key]).lower())
    present.sort(key=value, reverse=descending)
    return present + missing, ("-" if descending else "") + column.key


def overview_snapshot(membership, *, today: date) -> Snapshot:
    """The overview for the trust's own people from the trust's snapshot (trusts.snapshots)."""
    return snapshot(
        membership,
        ("overview", today),
        lambda: trust_overview(membership, today=today, policy=trust_policy(membership.trust_id)),
    )


def trust_overview(membership, *, today: date, policy) -> dict:
    start = attendance_selectors.year_start(today)
    schools = list(School.objects.visible_to(membership).order_by("name"))
    placements = list(
        Placement.objects.visible_to(membership)
        .filter(status__in=IN_AP, start_date__lte=today)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        .annotate(weekly_hours=Sum("sessions__hours"))
        .values(
            "pk",
            "pupil_id",
            "school_id",
            "provider_id",
            "status",
            "start_date",
            "ended_on",
            "planned_end_date",
            *(f for f in RATE_FIELDS if f not in ("school_id", "start_date", "ended_on")),
            "weekly_hours",
            "pupil__looked_after",
            "pupil__ehcp",
        )
        .order_by("pk")
    )
    usage = usage_by_placement(
        membership,
        placement_ids=[p["pk"] for p in placements],
        start=start,
        end=today,
        placements=placements,
        terms=TermShares(s.pk for s in schools),
    )
    attendance = defaultdict(lambda: [0, 0])
    for school_id, provider_id, possible, attended in (
        ExpectedSession.objects.visible_to(membership)
        .filter(date__gte=start, date__lte=today)
        .values_list("school_id", "provider_id")
        .annotate(possible=Count("pk", filter=POSSIBLE), attended=Count("pk", filter=ATTENDED))
        .order_by()
    ):
        for key in (("school", school_id), ("provider", provider_id)):
            attendance[key][0] += possible
            attendance[key][1] += attended

    now_pupils, year_pupils, hours, cost, providers_of = (
        defaultdict(set),
        defaultdict(set),
        defaultdict(Decimal),
        defaultdict(lambda: ZERO),
        defaultdict(set),
    )
    facts = defaultdict(list)
    for p in placements:
        running = p["status"] in Placement.COMMITTED_STATUSES
        amount = period_cost(Rates.of(p), usage.get(p["pk"], Usage()), start=start, end=today) or ZERO
        for key in (("school", p["school_id"]), ("provider", p["provider_id"])):
            cost[key] += amount
            year_pupils[key].add(p["pupil_id"])
            if running:
                now_pupils[key].add(p["pupil_id"])
                hours[key] += p["weekly_hours"] or 0
        providers_of[p["school_id"]].add(p["provider_id"])
        if running:
            facts[p["provider_id"]].append(
                PlacementFact(
                    placement_id=p["pk"],
                    pupil_id=p["pupil_id"],
                    school_id=p["school_id"],
                    start=p["start_date"],
                    end=p["ended_on"] or p["planned_end_date"],
                    hours_per_week=p["weekly_hours"] or Decimal("0"),
                    looked_after=p["pupil__looked_after"],
                    ehcp=p["pupil__ehcp"],
                )
            )

    def rate(key):
        possible, attended = attendance[key]
        return round(100 * attended / possible, 1) if possible else None

    def per_pupil(key):
        return round(float(cost[key]) / len(year_pupils[key]), 2) if year_pupils[key] else None

    def per_session(key):
        attended = attendance[key][1]
        return round(float(cost[key]) / attended, 2) if attended else None

    school_rows = [
        {
            "pk": s.pk,
            "name": s.name,
            "pupils": len(now_pupils[("school", s.pk)]),
            "hours": float(hours[("school", s.pk)]),
            "attendance": rate(("school", s.pk)),
            "cost": float(cost[("school", s.pk)]),
            "cost_per_pupil": per_pupil(("school", s.pk)),
            "cost_per_session": per_session(("school", s.pk)),
            "providers": len(providers_of[s.pk]),
        }
        for s in schools
    ]
    used = {p["provider_id"] for p in placements}
    providers = list(
        Provider.objects.visible_to(membership)
        .filter(Q(pk__in=used) | Q(status__in=Provider.APPROVED_STATUSES))
        .order_by("legal_name")
    )
    standing = standings(membership, providers, today=today, warning_days=policy.evidence_expiry_warning_days)
    qa = qa_outcomes([p.pk for p in providers])
    provider_rows = []
    for provider in providers:
        check = registration_check(provider=provider, facts=facts[provider.pk], policy=policy, on=today)
        if not check.allowed:
            registration = "Breaks the rule: " + " ".join(check.reasons)
        elif check.flagged:
            registration = "Close to the limit: " + " ".join(check.reasons)
        else:
            registration = (
                "Registered school"
                if check.registered
                else f"Within the rule ({check.full_time_pupils} full-time)"
            )
        provider_rows.append(
            {
                "pk": provider.pk,
                "name": str(provider),
                "status": standing[provider.pk].label,
                "tone": standing[provider.pk].tone,
                "pupils": len(now_pupils[("provider", provider.pk)]),
                "hours": float(hours[("provider", provider.pk)]),
                "attendance": rate(("provider", provider.pk)),
                "cost": float(cost[("provider", provider.pk)]),
                "cost_per_pupil": per_pupil(("provider", provider.pk)),
                "cost_per_session": per_session(("provider", provider.pk)),
                "qa": qa[provider.pk],
                "registration": registration,
                "registration_problem": not check.allowed or check.flagged,
                "evidence": standing[provider.pk].evidence_text,
            }
        )
    return {
        "school_rows": school_rows,
        "provider_rows": provider_rows,
        "year_start": start,
        "today": today,
        "cost_definition": COST_DEFINITION,
    }


def csv_rows(rows: list[dict], columns: list[Column]) -> list[list]:
    return [["" if r[c.key] is None else r[c.key] for c in columns] for r in rows]
