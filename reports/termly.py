"""The governors' termly report: the figures for one school or the whole trust over a term (or any period),
anonymised, each with a one-line definition.

``build`` reads everything in a fixed number of queries (none per pupil, school, provider or mark) and returns
a ``Report`` made only of counts, rates and money: no pupil's name, initials, date of birth or flag ever leaves
this module. Every table of the report is a ``Table`` of display strings, so the page, the PDF and the CSV show
the same thing.

Quality-assurance outcomes come from the ``qa`` app's completed visits (``qa_outcomes``); safeguarding concerns
are counted by category (``safeguarding_concern_counts``), never listed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q
from django.db.models.functions import TruncWeek

from attendance.codes import PERSISTENT_ABSENCE_BELOW, SEVERE_ABSENCE_BELOW
from attendance.models import ExpectedSession
from attendance.selectors import ATTENDED, POSSIBLE
from placements.models import BehaviourIncident, Outcome, Placement, Review, Target, TargetOutcome
from placements.safeguarding.models import SafeguardingConcern
from providers.models import Provider
from providers.standing import standings
from qa import selectors as qa_selectors
from reports import charts
from reports.anonymise import Anonymiser
from reports.costs import (
    COST_DEFINITION,
    RATE_FIELDS,
    ZERO,
    Rates,
    TermShares,
    Usage,
    period_costs,
    usage_by_placement,
)
from trusts.models import Term

# How many earlier terms the attendance comparison shows.
PREVIOUS_TERMS = 3
# Lengths of time in AP, in weeks, for the length table.
LENGTH_BANDS = (
    (0, 6, "Under 6 weeks"),
    (6, 12, "6 to 12 weeks"),
    (12, 26, "12 to 26 weeks"),
    (26, None, "26 weeks or more"),
)
IN_AP = (Placement.Status.AGREED, Placement.Status.ACTIVE, Placement.Status.ENDED)
REINTEGRATED = (Outcome.Destination.MAINSTREAM, Outcome.Destination.NEW_SCHOOL)
POSITIVE = REINTEGRATED + (
    Outcome.Destination.FURTHER_EDUCATION,
    Outcome.Destination.EMPLOYMENT_WITH_TRAINING,
)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str
    term_id: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class Table:
    key: str
    title: str
    definition: str
    columns: list[str]
    rows: list[list[str]]
    chart: str = ""  # an SVG data URI, when the table has a chart
    chart_title: str = ""


@dataclass
class Section:
    title: str
    tables: list[Table] = field(default_factory=list)
    note: str = ""


@dataclass
class Report:
    title: str
    scope_label: str
    period: Period
    threshold: int
    sections: list[Section]
    empty: bool

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]


# --- Periods -------------------------------------------------------------------------------------------


def term_period(term: Term) -> Period:
    return Period(
        term.start_date, term.end_date, f"{term.get_name_display()} term {term.academic_year.name}", term.pk
    )


def terms_to_choose(*, today: date) -> list[Term]:
    """Terms that have started, newest first: the ones a report can be about."""
    return list(
        Term.objects.filter(start_date__lte=today).select_related("academic_year").order_by("-start_date")
    )


def default_term(terms: list[Term], *, today: date) -> Term | None:
    """The last term that has ended ("last term"), else the current one."""
    ended = [t for t in terms if t.end_date < today]
    return ended[0] if ended else (terms[0] if terms else None)


def previous_periods(period: Period, terms: list[Term]) -> list[Period]:
    earlier = sorted(
        (t for t in terms if t.end_date < period.start), key=lambda t: t.start_date, reverse=True
    )
    return [term_period(t) for t in earlier[:PREVIOUS_TERMS]][::-1]


# --- Figures the app does not record yet ------------------------------------------------------------------


def qa_outcomes(provider_ids, *, on: date | None = None) -> dict[int, str]:
    """The latest quality-assurance visit outcome of each provider on or before ``on``, with its date."""
    latest = qa_selectors.latest_outcomes(provider_ids, on=on)
    return {
        pk: (f"{latest[pk][0]} ({latest[pk][1]:%d %b %Y})" if pk in latest else "No visit yet")
        for pk in provider_ids
    }


def safeguarding_concern_counts(membership, *, school_ids, period: Period) -> dict[str, int]:
    """Safeguarding concerns raised in the period at these schools, by category, as counts only.

    Deliberately not narrowed by ``visible_to``: governors may not read a concern, but the report's counts
    (anonymised like every other figure) are what they are told. Every category is listed, zero included."""
    counts = dict(
        SafeguardingConcern.objects.filter(
            school_id__in=list(school_ids),
            raised_at__date__gte=period.start,
            raised_at__date__lte=period.end,
        )
        .values_list("category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {label: counts.get(value, 0) for value, label in SafeguardingConcern.Category.choices}


def incident_counts(placement_ids, *, period: Period) -> dict[str, int]:
    """Behaviour incidents of these placements in the period, by category, as counts only: every category
    listed, zero included, and "Not recorded" only where older incidents carry it."""
    counts = (
        dict(
            BehaviourIncident.objects.filter(
                placement_id__in=placement_ids,
                occurred_at__date__gte=period.start,
                occurred_at__date__lte=period.end,
            )
            .values_list("category")
            .annotate(n=Count("pk"))
            .order_by()
        )
        if placement_ids
        else {}
    )
    not_recorded = BehaviourIncident.Category.NOT_RECORDED
    return {
        label: counts.get(value, 0)
        for value, label in BehaviourIncident.Category.choices
        if value != not_recorded or counts.get(value)
    }


# --- Building -------------------------------------------------------------------------------------------


def _pct(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _money(value) -> str:
    return "—" if value is None else f"£{value:,.2f}"


def _weeks_in_ap(row, period: Period) -> float:
    end = min(row["ended_on"] or period.end, period.end)
    return max((end - row["start_date"]).days + 1, 0) / 7


@dataclass
class _Facts:
    """What every section of one report reads: the scope, the period and the placements in it."""

    membership: object
    schools: list
    school_ids: list
    period: Period
    earlier: list
    today: date
    policy: object
    anon: Anonymiser
    placements: list
    placement_ids: list
    pupils: dict
    ended: list
    achieved: int = 0  # targets achieved (set by the outcomes section, read by costs)
    cost_by_school: dict = field(default_factory=dict)


def build(
    membership, *, schools, period: Period, policy, today: date, terms=None, trust_wide=False, progress=None
) -> Report:
    """The report on ``schools`` over ``period``. ``progress(percent, step)`` is told as each part is done."""
    tell = progress or (lambda percent, step: None)
    anon = Anonymiser(policy.report_small_number_threshold)
    school_ids = [s.pk for s in schools]
    terms = terms if terms is not None else terms_to_choose(today=today)
    earlier = previous_periods(period, terms)

    placements = list(
        Placement.objects.visible_to(membership)
        .filter(school_id__in=school_ids, status__in=IN_AP, start_date__lte=period.end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=period.start))
        .values(
            "pk",
            "pupil_id",
            "school_id",
            "provider_id",
            "reason",
            "start_date",
            "ended_on",
            "status",
            *(f for f in RATE_FIELDS if f not in ("school_id", "start_date", "ended_on")),
            "pupil__year_group",
            "pupil__ehcp",
            "pupil__sen_support",
            "pupil__fsm",
            "pupil__looked_after",
            "pupil__child_in_need",
            "outcome__destination",
        )
        .order_by("pk")
    )
    placement_ids = [p["pk"] for p in placements]
    pupils = {}
    for p in placements:
        pupils.setdefault(p["pupil_id"], p)
    facts = _Facts(
        membership=membership,
        schools=list(schools),
        school_ids=school_ids,
        period=period,
        earlier=earlier,
        today=today,
        policy=policy,
        anon=anon,
        placements=placements,
        placement_ids=placement_ids,
        pupils=pupils,
        ended=[p for p in placements if p["ended_on"] and period.start <= p["ended_on"] <= period.end],
    )
    sections = []
    for percent, step, make in (
        (10, "Pupils in AP", _pupils_section),
        (25, "Outcomes", _outcomes_section),
        (40, "Attendance", _attendance_section),
        (55, "Incidents, safeguarding and reviews", _incidents_section),
    ):
        tell(percent, step)
        sections.append(make(facts))
    tell(70, "Providers and costs")
    sections += _providers_and_costs_sections(facts)
    if trust_wide:
        sections.append(_schools_section(facts))
    tell(85, "Putting the report together")
    scope_label = "All schools of the trust" if trust_wide else ", ".join(s.name for s in schools)
    return Report(
        title=f"Alternative provision: {period.label}",
        scope_label=scope_label,
        period=period,
        threshold=anon.threshold,
        sections=sections,
        empty=not placements,
    )


def _pupils_section(f: _Facts) -> Section:
    """Pupils in AP, for how long, why, their year groups and their needs."""
    anon, period, placements, pupils = f.anon, f.period, f.placements, f.pupils
    n_pupils = len(pupils)
    ended = f.ended
    weeks_by_pupil = defaultdict(float)
    for p in placements:
        weeks_by_pupil[p["pupil_id"]] = max(weeks_by_pupil[p["pupil_id"]], _weeks_in_ap(p, period))
    started = sum(1 for p in placements if period.start <= p["start_date"] <= period.end)
    average_weeks = sum(weeks_by_pupil.values()) / n_pupils if n_pupils else None
    key = Table(
        "pupils",
        "Pupils in alternative provision",
        "Pupils with an agreed, running or ended placement at any time in the period.",
        ["Figure", "Value", "What it means"],
        [
            ["Pupils in AP", anon.count(n_pupils).text, "Each pupil counted once, however many placements."],
            [
                "Placements",
                anon.count(len(placements)).text,
                "Agreed, running or ended placements in the period.",
            ],
            [
                "Placements started",
                anon.count(started).text,
                "Placements whose first day fell in the period.",
            ],
            ["Placements ended", anon.count(len(ended)).text, "Placements that ended in the period."],
            [
                "Average time in AP",
                "—"
                if average_weeks is None
                else (anon.rate(average_weeks, base=n_pupils, suffix=" weeks").text),
                "Weeks from each pupil's placement start to the end of the period (or its end).",
            ],
        ],
    )
    band_counts = [
        sum(1 for w in weeks_by_pupil.values() if w >= lo and (hi is None or w < hi))
        for lo, hi, _ in LENGTH_BANDS
    ]
    lengths = Table(
        "length",
        "How long pupils have been in AP",
        "Pupils by weeks in AP up to the end of the period.",
        ["Time in AP", "Pupils"],
        [
            [label, cell.text]
            for (_, _, label), cell in zip(LENGTH_BANDS, anon.breakdown(band_counts), strict=True)
        ],
    )
    reason_counts = Counter(p["reason"] for p in pupils.values())
    reasons = Table(
        "reasons",
        "Reasons for referral",
        "Pupils by the reason for their (first) placement in the period.",
        ["Reason", "Pupils"],
        [
            [label, cell.text]
            for (value, label), cell in zip(
                Placement.Reason.choices,
                anon.breakdown([reason_counts[v] for v, _ in Placement.Reason.choices]),
                strict=True,
            )
        ],
    )
    year_counts = Counter(p["pupil__year_group"] for p in pupils.values())
    years_present = sorted(year_counts, key=lambda y: (y != "R", int(y) if y.isdigit() else 0))
    years = Table(
        "year_groups",
        "Year groups",
        "Pupils in AP by their year group.",
        ["Year group", "Pupils"],
        [
            [("Reception" if y == "R" else f"Year {y}"), cell.text]
            for y, cell in zip(
                years_present, anon.breakdown([year_counts[y] for y in years_present]), strict=True
            )
        ],
    )
    flags = (
        (
            "SEND (EHCP or SEN support)",
            lambda p: p["pupil__ehcp"] or p["pupil__sen_support"],
            "Pupils with an EHCP or on SEN support.",
        ),
        ("EHCP", lambda p: p["pupil__ehcp"], "Pupils with an education, health and care plan."),
        ("Free school meals", lambda p: p["pupil__fsm"], "Pupils eligible for free school meals."),
        ("Looked after", lambda p: p["pupil__looked_after"], "Pupils in the care of a local authority."),
        (
            "Child in need",
            lambda p: p["pupil__child_in_need"],
            "Pupils known to children's services as in need.",
        ),
    )
    needs = Table(
        "needs",
        "Needs and circumstances",
        "How many of the pupils in AP, and what share of them.",
        ["Group", "Pupils (share)", "What it means"],
        [
            [label, anon.share(sum(1 for p in pupils.values() if test(p)), n_pupils).text, d]
            for label, test, d in flags
        ],
    )
    return Section("Pupils in alternative provision", [key, lengths, reasons, years, needs])


def _outcomes_section(f: _Facts) -> Section:
    """Targets planned and achieved; destinations and reintegration of placements that ended."""
    anon, placement_ids, ended = f.anon, f.placement_ids, f.ended
    planned = Target.objects.filter(plan__placement_id__in=placement_ids).count() if placement_ids else 0
    result_counts = (
        dict(
            TargetOutcome.objects.filter(outcome__placement_id__in=placement_ids)
            .values_list("result")
            .annotate(n=Count("pk"))
            .order_by()
        )
        if placement_ids
        else {}
    )
    achieved = result_counts.get(TargetOutcome.Result.ACHIEVED, 0)
    destinations = Counter(p["outcome__destination"] for p in ended if p["outcome__destination"])
    with_destination = sum(destinations.values())
    outcome_table = Table(
        "outcomes",
        "Planned and achieved outcomes",
        "Targets in the plans of placements in the period, and the results recorded when placements ended.",
        ["Figure", "Value", "What it means"],
        [
            ["Targets planned", anon.count(planned).text, "Targets in the personalised plans."],
            [
                "Achieved",
                anon.count(achieved).text,
                "Targets recorded as achieved at the end of a placement.",
            ],
            [
                "Partly achieved",
                anon.count(result_counts.get(TargetOutcome.Result.PARTLY, 0)).text,
                "Targets partly met.",
            ],
            [
                "Not achieved",
                anon.count(result_counts.get(TargetOutcome.Result.NOT_ACHIEVED, 0)).text,
                "Targets not met.",
            ],
            [
                "Reintegration rate",
                anon.share(sum(destinations[d] for d in REINTEGRATED), with_destination).text,
                "Of placements ended with a destination: back to mainstream or to a new school.",
            ],
            [
                "Positive destinations",
                anon.share(sum(destinations[d] for d in POSITIVE), with_destination).text,
                "Mainstream, a new school, further education or employment with training.",
            ],
        ],
    )
    destination_cells = anon.breakdown([destinations[v] for v, _ in Outcome.Destination.choices])
    destination_table = Table(
        "destinations",
        "Destinations of placements that ended",
        "Where pupils went when a placement ended in the period.",
        ["Destination", "Placements"],
        [
            [label, cell.text]
            for (_, label), cell in zip(Outcome.Destination.choices, destination_cells, strict=True)
        ],
    )
    destination_table.chart_title = "Destinations of placements that ended"
    destination_table.chart = charts.bar(
        destination_table.chart_title,
        [
            (label, cell.value)
            for (_, label), cell in zip(Outcome.Destination.choices, destination_cells, strict=True)
        ],
        y_title="placements",
    )
    f.achieved = achieved
    return Section("Outcomes", [outcome_table, destination_table])


def _attendance_section(f: _Facts) -> Section:
    """Attendance this period against the earlier terms, and week by week."""
    anon, period, membership, school_ids, earlier = f.anon, f.period, f.membership, f.school_ids, f.earlier
    periods = earlier + [period]
    first = min(p.start for p in periods)
    annotations = {}
    for i, p in enumerate(periods):
        span = Q(date__gte=p.start, date__lte=p.end)
        annotations[f"p{i}"] = Count("pk", filter=POSSIBLE & span)
        annotations[f"a{i}"] = Count("pk", filter=ATTENDED & span)
    by_pupil = list(
        ExpectedSession.objects.visible_to(membership)
        .filter(school_id__in=school_ids, date__gte=first, date__lte=period.end)
        .values("pupil_id")
        .annotate(**annotations)
        .order_by()
    )
    attendance_rows, chart_points = [], []
    for i, p in enumerate(periods):
        counted = [(r[f"p{i}"], r[f"a{i}"]) for r in by_pupil if r[f"p{i}"]]
        possible = sum(c[0] for c in counted)
        attended = sum(c[1] for c in counted)
        rate = _pct(attended, possible)
        persistent = sum(1 for pos, att in counted if 100 * att / pos < PERSISTENT_ABSENCE_BELOW)
        severe = sum(1 for pos, att in counted if 100 * att / pos < SEVERE_ABSENCE_BELOW)
        rate_cell = anon.rate(rate, base=len(counted))
        attendance_rows.append(
            [
                p.label + (" (this report)" if p is period else ""),
                anon.count(len(counted)).text,
                rate_cell.text,
                anon.count(persistent).text,
                anon.count(severe).text,
            ]
        )
        chart_points.append((p.label, rate_cell.value))
    attendance_table = Table(
        "attendance",
        "Attendance at providers, against earlier terms",
        f"Sessions attended (present or late) out of sessions marked; persistent absence below "
        f"{PERSISTENT_ABSENCE_BELOW}%, severe below {SEVERE_ABSENCE_BELOW}% for a pupil over the period.",
        ["Period", "Pupils", "Attendance", "Persistently absent", "Severely absent"],
        attendance_rows,
    )
    attendance_table.chart_title = "Attendance this term and in earlier terms (%)"
    attendance_table.chart = charts.bar(attendance_table.chart_title, chart_points, y_title="%", percent=True)
    weekly = list(
        ExpectedSession.objects.visible_to(membership)
        .filter(school_id__in=school_ids, date__gte=period.start, date__lte=period.end)
        .annotate(week=TruncWeek("date"))
        .values("week")
        .annotate(
            possible=Count("pk", filter=POSSIBLE),
            attended=Count("pk", filter=ATTENDED),
            pupils=Count("pupil_id", distinct=True),
        )
        .order_by("week")
    )
    week_rows, week_points = [], []
    for w in weekly:
        cell = anon.rate(_pct(w["attended"], w["possible"]), base=w["pupils"])
        label = f"{w['week']:%d %b}"
        week_rows.append([f"Week of {w['week']:%d %B %Y}", cell.text])
        week_points.append((label, cell.value))
    week_table = Table(
        "attendance_weeks",
        "Attendance week by week",
        "Sessions attended out of sessions marked, each week of the period.",
        ["Week", "Attendance"],
        week_rows,
    )
    week_table.chart_title = "Attendance across the period, week by week (%)"
    week_table.chart = charts.line(week_table.chart_title, week_points, y_title="%")
    return Section("Attendance", [attendance_table, week_table])


def _incidents_section(f: _Facts) -> Section:
    """Incidents and safeguarding concerns by category; reviews held on time."""
    anon, period, membership, school_ids, placement_ids, today = (
        f.anon,
        f.period,
        f.membership,
        f.school_ids,
        f.placement_ids,
        f.today,
    )
    incidents = incident_counts(placement_ids, period=period)
    incident_rows = [
        [f"Behaviour incidents: {label}", cell.text, "Incidents reported in the period, by their category."]
        for (label, _), cell in zip(incidents.items(), anon.breakdown(list(incidents.values())), strict=True)
    ]
    concerns = safeguarding_concern_counts(membership, school_ids=school_ids, period=period)
    concern_rows = [
        [f"Safeguarding concerns: {c}", anon.count(n).text, "Concerns raised in the period, by category."]
        for c, n in concerns.items()
    ]
    incident_table = Table(
        "incidents",
        "Incidents and safeguarding concerns",
        'Counts by category: behaviour incidents by the category the reporter chose ("Not recorded" for '
        "incidents reported before categories were asked for), safeguarding concerns by theirs.",
        ["Category", "Count", "What it means"],
        [
            [
                "Behaviour incidents",
                anon.count(sum(incidents.values())).text,
                "All incidents reported by the provider or the school.",
            ]
        ]
        + incident_rows
        + concern_rows,
    )
    reviews = (
        Review.objects.filter(
            placement_id__in=placement_ids, scheduled_for__gte=period.start, scheduled_for__lte=period.end
        ).aggregate(
            due=Count("pk"),
            on_time=Count("pk", filter=Q(held_on__isnull=False, held_on__lte=F("scheduled_for"))),
            late=Count("pk", filter=Q(held_on__isnull=False, held_on__gt=F("scheduled_for"))),
            missed=Count("pk", filter=Q(held_on__isnull=True, scheduled_for__lt=today)),
        )
        if placement_ids
        else {"due": 0, "on_time": 0, "late": 0, "missed": 0}
    )
    review_table = Table(
        "reviews",
        "Reviews held on time",
        "Reviews scheduled in the period: held on or before the date, held late, or not held and overdue.",
        ["Figure", "Value"],
        [
            ["Reviews due", anon.count(reviews["due"]).text],
            ["Held on time", anon.share(reviews["on_time"], reviews["due"]).text],
            ["Held late", anon.count(reviews["late"]).text],
            ["Not held, overdue", anon.count(reviews["missed"]).text],
        ],
    )
    return Section("Incidents, safeguarding and reviews", [incident_table, review_table])


def _providers_and_costs_sections(f: _Facts) -> list[Section]:
    """The providers used with their standing, and the costs of the period against invoices and outcomes."""
    anon, period, placements, placement_ids = f.anon, f.period, f.placements, f.placement_ids
    n_pupils, achieved = len(f.pupils), f.achieved
    membership, today, policy = f.membership, f.today, f.policy
    provider_rows = list(
        Provider.objects.filter(pk__in={p["provider_id"] for p in placements})
        .values("pk", "legal_name", "trading_name", "status", "approved_until", "registration_status")
        .order_by("legal_name")
    )
    standing = standings(
        membership, provider_rows, today=today, warning_days=policy.evidence_expiry_warning_days
    )
    qa = qa_outcomes([r["pk"] for r in provider_rows], on=min(period.end, today))
    usage = usage_by_placement(
        membership,
        placement_ids=placement_ids,
        start=period.start,
        end=period.end,
        placements=placements,
        terms=TermShares(f.school_ids),
    )
    pupils_at, cost_at, attended_at = defaultdict(set), defaultdict(lambda: ZERO), Counter()
    total_cost, transport_cost, no_rate, attended_total = ZERO, ZERO, 0, 0
    cost_by_school = defaultdict(lambda: ZERO)
    for p in placements:
        u = usage.get(p["pk"])
        costs = period_costs(Rates.of(p), u or Usage(), start=period.start, end=period.end)
        pupils_at[p["provider_id"]].add(p["pupil_id"])
        attended_at[p["provider_id"]] += u.attended if u else 0
        attended_total += u.attended if u else 0
        if costs is None:
            no_rate += 1
            continue
        cost = costs.total
        cost_at[p["provider_id"]] += cost
        cost_by_school[p["school_id"]] += cost
        total_cost += cost
        transport_cost += costs.transport
    name = {r["pk"]: r["trading_name"] or r["legal_name"] for r in provider_rows}
    pupil_cells = anon.breakdown([len(pupils_at[r["pk"]]) for r in provider_rows])
    providers_table = Table(
        "providers",
        "Providers used",
        "Each provider used in the period: its registration, its standing on the trust's register (approval "
        "qualified by its critical evidence), evidence due to expire, the last quality-assurance outcome, and pupils.",
        ["Provider", "Registration", "Status", "Critical evidence", "QA outcome", "Pupils"],
        [
            [
                name[r["pk"]],
                Provider.RegistrationStatus(r["registration_status"]).label,
                standing[r["pk"]].label,
                standing[r["pk"]].evidence_text,
                qa[r["pk"]],
                cell.text,
            ]
            for r, cell in zip(provider_rows, pupil_cells, strict=True)
        ],
    )
    shown, cut = charts.largest(
        [(name[r["pk"]], cell.value) for r, cell in zip(provider_rows, pupil_cells, strict=True)]
    )
    providers_table.chart_title = "Pupils by provider" + (
        f": the {len(shown)} with the most pupils" if cut else ""
    )
    providers_table.chart = charts.bar(providers_table.chart_title, shown, y_title="pupils")

    invoice_totals = _invoice_totals(placement_ids, period)
    cost_table = Table(
        "costs",
        "Costs and value for money",
        "The agreed cost of the period from each placement's rate, transport and one-off costs, set against "
        "invoices and outcomes. " + COST_DEFINITION,
        ["Figure", "Value", "What it means"],
        [
            [
                "Agreed cost of the period",
                _money(total_cost),
                "Rate per session, day, week or term times what it counts in the period, with transport and "
                "one-off costs of placements that started.",
            ],
            [
                "Of which transport",
                _money(transport_cost),
                "Transport costs agreed on placements, counted by their own unit (day, week, term or fixed).",
            ],
            [
                "Placements with no rate agreed",
                anon.count(no_rate).text,
                "Not counted in the cost above.",
            ],
            [
                "Invoiced",
                _money(invoice_totals["total"]),
                "Invoices whose period falls in the period of the report.",
            ],
            ["Invoices approved", _money(invoice_totals["approved"]), "Checked and approved for payment."],
            ["Invoices disputed", _money(invoice_totals["disputed"]), "Queried with the provider."],
            [
                "Invoices still to check",
                _money(invoice_totals["received"]),
                "Received, not yet approved or disputed.",
            ],
            [
                "Cost per pupil",
                _money(total_cost / n_pupils if n_pupils else None),
                "Agreed cost divided by pupils in AP.",
            ],
            [
                "Cost per attended session",
                _money(total_cost / attended_total if attended_total else None),
                "Agreed cost divided by sessions attended.",
            ],
            [
                "Cost per target achieved",
                _money(total_cost / achieved if achieved else None),
                "Agreed cost divided by targets achieved by placements ended in the period.",
            ],
        ],
    )
    spend_table = Table(
        "spend",
        "Spend by provider",
        "The agreed cost of the period at each provider, and per attended session there.",
        ["Provider", "Agreed cost", "Cost per attended session"],
        [
            [
                name[r["pk"]],
                _money(cost_at[r["pk"]]),
                _money(cost_at[r["pk"]] / attended_at[r["pk"]] if attended_at[r["pk"]] else None),
            ]
            for r in provider_rows
        ],
    )
    shown, cut = charts.largest([(name[r["pk"]], float(cost_at[r["pk"]])) for r in provider_rows])
    spend_table.chart_title = "Agreed cost by provider (£)" + (
        f": the {len(shown)} with the largest cost" if cut else ""
    )
    spend_table.chart = charts.bar(spend_table.chart_title, shown, y_title="£")
    f.cost_by_school = cost_by_school
    return [
        Section("Providers", [providers_table]),
        Section("Costs and value for money", [cost_table, spend_table]),
    ]


def _schools_section(f: _Facts) -> Section:
    """Trust-wide only: pupils and agreed cost per school."""
    anon, placements, schools, cost_by_school = f.anon, f.placements, f.schools, f.cost_by_school
    pupils_by_school = defaultdict(set)
    for p in placements:
        pupils_by_school[p["school_id"]].add(p["pupil_id"])
    school_cells = anon.breakdown([len(pupils_by_school[s.pk]) for s in schools])
    return Section(
        "Schools",
        [
            Table(
                "schools",
                "Schools of the trust",
                "Pupils in AP and the agreed cost of the period at each school.",
                ["School", "Pupils in AP", "Agreed cost"],
                [
                    [s.name, cell.text, _money(cost_by_school[s.pk])]
                    for s, cell in zip(schools, school_cells, strict=True)
                ],
            )
        ],
    )


def _invoice_totals(placement_ids, period: Period) -> dict[str, Decimal]:
    from reports.costs import invoice_totals
    from reports.models import Invoice

    return invoice_totals(
        Invoice.objects.filter(
            placement_id__in=placement_ids, period_start__gte=period.start, period_end__lte=period.end
        )
    )


def custom_period(start: date, end: date) -> Period:
    return Period(start, end, f"{start:%d %B %Y} to {end:%d %B %Y}")
