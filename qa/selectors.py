"""Queries of the qa app: the schedule of visits due, the pre-visit checks read from the provider's evidence,
lists of visits and actions, and each provider's QA history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Prefetch, Q
from django.utils import timezone

from attendance.models import RegisterMark
from placements.models import Placement, Pupil
from providers.models import EVIDENCE_TYPES_BY_CODE, Evidence, Provider
from qa import schedule
from qa.models import (
    RATING_SCORE,
    FrameworkItem,
    ImprovementAction,
    Outcome,
    Part,
    ProviderFlag,
    Rating,
    Visit,
    VisitRating,
)
from trusts.models import Term
from trusts.selectors import trust_policy
from trusts.snapshots import KEEP, Snapshot, forget, key_for, snapshot

ATTENDED = (RegisterMark.Status.PRESENT, RegisterMark.Status.LATE)


@dataclass
class ScheduleRow:
    provider: Provider
    due: schedule.Due
    schools: list[str]
    pupils_placed: int
    # Every school with pupils placed there, by id (``schools`` names those the reader may see).
    school_names: dict = field(default_factory=dict)
    planned: Visit | None = None
    in_progress: Visit | None = None
    trigger_label: str = ""
    tags: set = field(default_factory=set)

    @property
    def overdue(self) -> bool:
        return "overdue" in self.tags


class PlacedRow(NamedTuple):
    """What the schedule reads of one placement."""

    pk: int
    trust_id: int
    provider_id: int
    school_id: int
    school_name: str
    pupil_id: int
    start_date: date
    preferred_name: str
    legal_first_name: str
    legal_last_name: str

    @property
    def pupil_initials(self) -> str:
        return Pupil(
            preferred_name=self.preferred_name,
            legal_first_name=self.legal_first_name,
            legal_last_name=self.legal_last_name,
        ).initials


def frequency_for(provider: Provider, policy) -> str:
    if provider.is_registered_school:
        return policy.qa_visit_frequency
    return policy.qa_visit_frequency_unregistered


def current_half_term_end(terms, on: date) -> date | None:
    for term in terms:
        for start, end in term.half_terms():
            if start <= on <= end:
                return end
            if on < start:
                return end
    return None


SCHEDULE_PROVIDER_FIELDS = ("trust_id", "legal_name", "trading_name", "registration_status")
SCHEDULE_VISIT_FIELDS = (
    "trust_id",
    "provider_id",
    "status",
    "planned_for",
    "visit_date",
    "next_visit_date",
    # Who visits, as the schedule and its alerts name and reach them: never their password hash or flags, which
    # would otherwise sit in every kept schedule in the shared cache.
    "visitor__username",
    "visitor__first_name",
    "visitor__last_name",
    "visitor__email",
    "visitor__is_active",
)


def visit_schedule(membership=None, *, on: date, trust_id=None, policy=None) -> list[ScheduleRow]:
    """Every provider with pupils placed (agreed or active placements), with its next visit due, soonest first.

    A fixed number of queries however many providers: placements, completed visits, open visits, attended
    sessions, terms and the policy.
    """
    # The placements as plain rows and their providers apart: thousands of placements share a few hundred
    # providers, and building a model object for each placement, pupil and school cost more than the query.
    placements = list(
        Placement.objects.current()
        .order_by("start_date", "pk")
        .values_list(
            "pk",
            "trust_id",
            "provider_id",
            "school_id",
            "school__name",
            "pupil_id",
            "start_date",
            "pupil__preferred_name",
            "pupil__legal_first_name",
            "pupil__legal_last_name",
        )
    )
    if not placements:
        return []
    placements = [PlacedRow(*row) for row in placements]
    trust_id = trust_id or placements[0].trust_id
    policy = policy or trust_policy(trust_id)
    terms = list(Term.objects.order_by("start_date"))
    visible_school_ids = None
    if membership is not None and membership.school_id is not None:
        visible_school_ids = {membership.school_id}

    by_provider = defaultdict(list)
    for placement in placements:
        by_provider[placement.provider_id].append(placement)
    # The schedule is kept as a snapshot read on every view of the schedule and the dashboards: its rows carry
    # what they show of the provider and its open visits, not every field of either.
    providers = Provider.objects.only(*SCHEDULE_PROVIDER_FIELDS).in_bulk(list(by_provider))

    last = {}
    open_visits = defaultdict(list)
    # One query for both: each provider's last completed visit and its planned or part-recorded ones.
    for visit in (
        Visit.objects.filter(provider_id__in=by_provider)
        .filter(
            Q(is_current=True, status=Visit.Status.COMPLETED)
            | Q(status__in=[Visit.Status.PLANNED, Visit.Status.IN_PROGRESS])
        )
        .select_related("visitor")
        .only(*SCHEDULE_VISIT_FIELDS)
        .order_by("visit_date", "planned_for", "pk")
    ):
        if visit.status == Visit.Status.COMPLETED:
            last[visit.provider_id] = visit
        else:
            open_visits[visit.provider_id].append(visit)

    attended = defaultdict(lambda: defaultdict(list))
    if policy.qa_visit_session_limit:
        earliest = min((v.visit_date for v in last.values()), default=None)
        marks = RegisterMark.objects.filter(
            status__in=ATTENDED, expected_session__provider_id__in=list(by_provider)
        )
        if earliest:
            marks = marks.filter(expected_session__date__gt=earliest)
        for provider_id, placement_id, day in marks.values_list(
            "expected_session__provider_id", "expected_session__placement_id", "expected_session__date"
        ):
            visit = last.get(provider_id)
            if visit is None or day > visit.visit_date:
                attended[provider_id][placement_id].append(day)

    week_end = on + timedelta(days=6 - on.weekday())
    half_term_end = current_half_term_end(terms, on)
    placements_by_pk = {p.pk: p for p in placements}
    names = {}
    rows = []
    for provider_id, provider_placements in by_provider.items():
        provider = providers[provider_id]
        visit = last.get(provider_id)
        due = schedule.next_visit_due(
            frequency=frequency_for(provider, policy),
            terms=terms,
            last_visit=visit.visit_date if visit else None,
            placed_since=min(p.start_date for p in provider_placements),
            session_limit=policy.qa_visit_session_limit,
            attended_by_placement=attended.get(provider_id, {}),
            agreed_next_visit=visit.next_visit_date if visit else None,
        )
        # One string for each school, shared by every row that names it: the kept schedule stores each once.
        school_names = {
            p.school_id: names.setdefault(p.school_id, p.school_name) for p in provider_placements
        }
        opened = open_visits.get(provider_id, [])
        row = ScheduleRow(
            provider=provider,
            due=due,
            schools=_school_names_seen(school_names, visible_school_ids),
            school_names=school_names,
            pupils_placed=len({p.pupil_id for p in provider_placements}),
            planned=next((v for v in opened if v.status == Visit.Status.PLANNED), None),
            in_progress=next((v for v in opened if v.status == Visit.Status.IN_PROGRESS), None),
        )
        if due.trigger is not None:
            row.trigger_label = placements_by_pk[due.trigger].pupil_initials
        if due.due < on:
            row.tags.add("overdue")
        if due.due <= week_end:
            row.tags.add("this_week")
        if half_term_end and due.due <= half_term_end:
            row.tags.add("this_half_term")
        rows.append(row)
    rows.sort(key=lambda r: (r.due.due, str(r.provider)))
    return rows


def _school_names_seen(school_names: dict, visible_school_ids) -> list[str]:
    return sorted(
        name for pk, name in school_names.items() if visible_school_ids is None or pk in visible_school_ids
    )


def trust_schedule(membership, *, on: date, trust_id: int, policy=None) -> Snapshot:
    """The trust's schedule of the day, shared by everyone who reads it and kept as a snapshot (working it out
    reads every current placement, visit and attended session of the trust's providers); forgotten as soon as a
    visit is planned, changed or recorded (``forget_schedule``). Its rows name every school: a reader's rows are
    ``rows_seen_by`` them."""
    return snapshot(
        membership,
        ("qa_schedule", on),
        lambda: visit_schedule(on=on, trust_id=trust_id, policy=policy),
        shared=True,
    )


def rows_seen_by(membership, rows: list[ScheduleRow]) -> list[ScheduleRow]:
    """A school-bound reader sees their own school's name only on each row."""
    if membership.school_id is None:
        return rows
    visible = {membership.school_id}
    return [replace(row, schools=_school_names_seen(row.school_names, visible)) for row in rows]


def schedule_snapshot(membership, *, on: date, trust_id: int, policy=None) -> Snapshot:
    """The trust's schedule of the day (``trust_schedule``) as ``membership`` sees it."""
    kept = trust_schedule(membership, on=on, trust_id=trust_id, policy=policy)
    if membership.school_id is None:
        return kept
    return Snapshot(rows_seen_by(membership, kept.value), kept.as_of)


def forget_schedule(trust_id: int) -> None:
    """After a visit is written: the next reader of the schedule works it out again."""
    forget(trust_id, "qa_schedule", timezone.localdate())


def overdue_visits(*, on: date, membership, policy=None) -> list[ScheduleRow]:
    """For the dashboards: providers whose visit is overdue, from the trust's schedule of the day
    (``schedule_snapshot``); for a school-bound person, those where pupils of their school are placed."""
    rows = schedule_snapshot(membership, on=on, trust_id=membership.trust_id, policy=policy).value
    if membership.school_id is not None:
        return [row for row in rows if row.overdue and row.schools]
    return [row for row in rows if row.overdue]


class OpenVisit(NamedTuple):
    """A planned or part-recorded visit, as the schedule lists it under its visitor."""

    pk: int
    planned_for: date
    provider_name: str
    status_label: str


def visits_by_visitor(membership) -> list[tuple[str, list[OpenVisit]]]:
    """The planned and part-recorded visits, by visitor (their name), soonest first: as plain rows, for a list
    of every open visit of the trust is read on every view of the schedule."""
    rows = (
        Visit.objects.visible_to(membership)
        .filter(status__in=[Visit.Status.PLANNED, Visit.Status.IN_PROGRESS])
        .order_by("visitor__last_name", "visitor__first_name", "visitor_id", "planned_for")
        .values_list(
            "visitor_id",
            "visitor__first_name",
            "visitor__last_name",
            "visitor__username",
            "pk",
            "planned_for",
            "provider__trading_name",
            "provider__legal_name",
            "status",
        )
    )
    labels = dict(Visit.Status.choices)
    grouped = {}
    for visitor_id, first, last, username, pk, planned_for, trading_name, legal_name, status in rows:
        # As User.get_full_name and Provider.__str__ say them.
        name = f"{first} {last}".strip() or username
        grouped.setdefault((visitor_id, name), []).append(
            OpenVisit(pk, planned_for, trading_name or legal_name, labels.get(status, status))
        )
    return [(name, visits) for (_, name), visits in grouped.items()]


def visit_list(membership):
    return (
        Visit.objects.visible_to(membership)
        .filter(is_current=True)
        .select_related("provider", "visitor")
        .order_by("-planned_for", "-pk")
    )


def action_list(membership, *, status: str | None = "open"):
    qs = ImprovementAction.objects.visible_to(membership).live().select_related("provider", "visit")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("due_date", "pk")


def flags_waiting():
    return ProviderFlag.objects.waiting().select_related("provider", "visit", "action").order_by("raised_at")


# --- Inside a visit -----------------------------------------------------------------------------------------


def framework_items(framework) -> dict[str, list[FrameworkItem]]:
    """The items of a version of the framework, by part, in order. A version's items are written with it and
    never changed (adapting the framework makes a new version), so they are kept for every visit page to read."""
    key = key_for(framework.trust_id, "qa_framework_items", framework.pk)
    items = cache.get(key)
    if items is None:
        items = {part.value: [] for part in Part}
        for item in framework.items.order_by("part", "order"):
            items[item.part].append(item)
        cache.set(key, items, KEEP.total_seconds())
    return items


def pre_visit_checks(visit: Visit, items: list[FrameworkItem] | None = None) -> list[dict]:
    """Each pre-visit check with the provider's evidence for it as it stands on the visit date: in date,
    expired, waiting for verification, or missing. A completed visit answers from what it kept. ``items``: the
    framework's pre-visit checks in order, where the caller has read them already."""
    if visit.is_frozen and visit.pre_visit_snapshot:
        return visit.pre_visit_snapshot
    day = visit.day
    evidence_by_type = defaultdict(list)
    for evidence in Evidence.objects.filter(provider_id=visit.provider_id).order_by("-issue_date", "-pk"):
        evidence_by_type[evidence.evidence_type].append(evidence)
    rows = []
    if items is None:
        items = visit.framework.items.filter(part=Part.PRE_VISIT).order_by("order")
    for item in items:
        documents = []
        for code in item.evidence_types:
            label = EVIDENCE_TYPES_BY_CODE.get(code, {}).get("label", code)
            found = evidence_by_type.get(code, [])
            verified = [e for e in found if e.status == Evidence.Status.VERIFIED and e.issue_date <= day]
            in_date = [e for e in verified if e.is_in_date_on(day)]
            if in_date:
                best = in_date[0]
                state = "in_date"
                note = f"in date until {best.expiry_date:%d %b %Y}" if best.expiry_date else "in date"
            elif verified:
                best = verified[0]
                state = "expired"
                note = f"expired on {best.expiry_date:%d %b %Y}"
            elif found:
                state, note = "unverified", "uploaded, not yet verified"
            else:
                state, note = "missing", "none on file"
            documents.append({"type": label, "state": state, "note": note})
        rows.append(
            {
                "code": item.code,
                "text": item.text,
                "documents": documents,
                "ok": bool(documents) and all(d["state"] == "in_date" for d in documents),
                "needs_eye": not documents,
            }
        )
    return rows


def visit_sections(visit: Visit) -> dict:
    """Everything a visit page or its report needs, in a fixed number of queries."""
    items = framework_items(visit.framework)
    checks = {c.item_id: c for c in visit.checks.all()}
    ratings = {r.item_id: r for r in visit.ratings.all()}

    def grouped(part, answers):
        sections = []
        for item in items[part]:
            if not sections or sections[-1][0] != item.section:
                sections.append((item.section, []))
            sections[-1][1].append((item, answers.get(item.pk)))
        return sections

    live = {row["code"]: row for row in pre_visit_checks(visit, items[Part.PRE_VISIT])}
    return {
        "pre_visit": [(item, live.get(item.code), checks.get(item.pk)) for item in items[Part.PRE_VISIT]],
        "pre_visit_items": items[Part.PRE_VISIT],
        "on_site": grouped(Part.ON_SITE, checks),
        "standards": grouped(Part.STANDARD, ratings),
        "checks": checks,
        "ratings": ratings,
        "pupils_seen": list(visit.pupils_seen.select_related("pupil").order_by("pk")),
        "actions": list(visit.actions.order_by("pk")),
        "rating_counts": rating_counts(ratings.values()),
    }


def rating_counts(ratings) -> list[tuple[str, int]]:
    counts = defaultdict(int)
    for r in ratings:
        if r.rating:
            counts[r.rating] += 1
    return [(label, counts[value]) for value, label in Rating.choices]


def placed_pupils(provider, membership, *, on: date):
    """The pupils placed at the provider that this visitor may record as seen."""
    from placements.models import Pupil

    placed = Placement.objects.current().filter(provider=provider).values("pupil_id")
    return Pupil.objects.visible_to(membership).filter(pk__in=placed).order_by("legal_last_name", "pk")


# --- History ------------------------------------------------------------------------------------------------


def provider_history(provider, membership) -> list[dict]:
    """The provider's completed visits, oldest first, each with its score (the share of "fully" points) and
    open actions."""
    visits = list(
        Visit.objects.visible_to(membership)
        .current()
        .completed()
        .filter(provider=provider)
        .select_related("visitor")
        .prefetch_related(
            Prefetch("ratings", queryset=VisitRating.objects.all()),
            Prefetch("actions", queryset=ImprovementAction.objects.all()),
        )
        .order_by("visit_date", "pk")
    )
    history = []
    for visit in visits:
        rated = [r for r in visit.ratings.all() if r.rating]
        score = round(100 * sum(RATING_SCORE[r.rating] for r in rated) / (3 * len(rated))) if rated else None
        history.append(
            {
                "visit": visit,
                "score": score,
                "counts": rating_counts(rated),
                "open_actions": sum(1 for a in visit.actions.all() if a.status == "open"),
            }
        )
    return history


def latest_outcomes(provider_ids, *, on: date | None = None) -> dict[int, tuple[str, date]]:
    """Each provider's latest completed visit outcome on or before ``on`` (default today), as (label, visit
    date), in one query. Providers never visited are absent."""
    day = on or timezone.localdate()
    rows = (
        Visit.objects.current()
        .completed()
        .filter(provider_id__in=list(provider_ids), visit_date__lte=day)
        .order_by("provider_id", "-visit_date", "-pk")
        .values_list("provider_id", "outcome", "visit_date")
    )
    latest = {}
    for provider_id, outcome, visit_date in rows:
        latest.setdefault(provider_id, (Outcome(outcome).label, visit_date))
    return latest
