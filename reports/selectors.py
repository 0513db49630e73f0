"""The queries behind the role dashboards. They read the other apps through those apps' own selectors and
querysets (this app only reads; nothing imports it), and each runs a fixed number of queries however many
pupils, placements or providers there are."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import BooleanField, Count, ExpressionWrapper, Q

from attendance import selectors as attendance_selectors
from attendance.codes import PERSISTENT_ABSENCE_BELOW, SEVERE_ABSENCE_BELOW
from attendance.models import ChaseEvent, ExpectedSession, RegisterMark
from attendance.sessions import current_session, day_of
from placements import selectors as placement_selectors
from placements.models import Placement
from placements.safeguarding import selectors as concern_selectors
from providers import selectors as provider_selectors
from providers.models import Provider
from providers.standing import standings
from qa import selectors as qa_selectors
from reports.anonymise import Anonymiser
from trusts.calendar import CalendarError, calendars_for
from trusts.models import Membership, School
from trusts.roles import Role
from trusts.selectors import trust_policy
from trusts.snapshots import Snapshot, refresh, snapshot

# How far back the dashboard looks for runs of consecutive absences.
CONSECUTIVE_WINDOW = timedelta(days=14)
# How far ahead the school dashboard shows reviews coming due.
REVIEWS_AHEAD_DAYS = 14
# Long lists stop here, with a link to the full page.
LIST_LIMIT = 25
# Provider statuses that stop pupils being placed there: a DSL needs to know about those in use.
PROVIDER_STATUS_CONCERNS = (Provider.Status.LAPSED, Provider.Status.SUSPENDED)
SESSION_LABELS = {"am": "morning", "pm": "afternoon"}
MARK_STATES = {
    "present": ("Present", "text-bg-success"),
    "late": ("Late", "text-bg-warning"),
    "absent": ("Absent", "text-bg-danger"),
    "closed": ("Provider closed", "text-bg-secondary"),
    "unmarked": ("Not marked yet", "text-bg-light border"),
    "overdue": ("Not marked yet: overdue", "text-bg-danger"),
}


def mark_state(session, *, now: datetime, deadline: timedelta) -> str:
    """The provider's mark of ``session`` so far; an unmarked one is overdue once the trust's marking deadline
    after the session start has passed."""
    mark = getattr(session, "mark", None)
    if mark is not None:
        return mark.status
    return "overdue" if now >= session.starts_at + deadline else "unmarked"


def stage_counts(placements) -> list[dict]:
    """Every placement stage in workflow order, with how many placements are at it (zero included)."""
    counts = dict(placements.order_by().values_list("status").annotate(n=Count("pk")))
    return [
        {"status": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Placement.Status.choices
    ]


# --- Where every pupil is ---------------------------------------------------------------------------------


@dataclass
class SchoolSession:
    """The session a school's dashboard shows: this one on a school day, else the next school day's morning."""

    school: School
    day: date | None
    session: str
    closed_today: str | None  # why today is not a school day, or None

    @property
    def is_now(self) -> bool:
        return self.closed_today is None

    @property
    def label(self) -> str:
        return SESSION_LABELS[self.session]


def sessions_shown(schools, *, now: datetime) -> list[SchoolSession]:
    calendars = calendars_for(schools)
    today, session_now = current_session(now)
    shown = []
    for school in schools:
        calendar = calendars[school.pk]
        why_not = calendar.why_not_school_day(today)
        if why_not is None:
            shown.append(SchoolSession(school, today, session_now, None))
            continue
        try:
            day = calendar.next_school_day(today)
        except CalendarError:
            day = None  # no term dates entered beyond today
        shown.append(SchoolSession(school, day, "am", why_not))
    return shown


@dataclass
class PupilElsewhere:
    pupil: object
    placements: list = field(default_factory=list)
    other_sessions: list = field(
        default_factory=list
    )  # the same day's sessions at a provider at another time


@dataclass
class WhereNow:
    shown: list[SchoolSession]
    expected: list  # ExpectedSession rows of the session shown, with mark
    elsewhere: list[PupilElsewhere]

    @property
    def common(self) -> SchoolSession | None:
        """The session shown, when every school shows the same one (the usual case)."""
        kinds = {(s.day, s.session, s.closed_today) for s in self.shown}
        return self.shown[0] if len(kinds) == 1 else None


# What the "now" panel shows of a session, its pupil, provider, school and mark (the register's rows carry the
# placement, its register arrangement, the follow-up and the marker besides: several times the rows to build).
_PUPIL_SHOWN = (
    *attendance_selectors.PUPIL_NAME_FIELDS,
    "pupil__looked_after",
    "pupil__child_protection_plan",
    "pupil__child_in_need",
)
_NOW_FIELDS = (
    *attendance_selectors.SESSION_ROW_FIELDS,
    *_PUPIL_SHOWN,
    "school__name",
    "provider__legal_name",
    "provider__trading_name",
    "mark__status",
    "mark__late_minutes",
    "mark__marked_at",
)


def _sessions_now(membership):
    return (
        ExpectedSession.objects.visible_to(membership)
        .select_related("pupil", "school", "provider", "mark")
        .only(*_NOW_FIELDS)
    )


def where_pupils_are(membership, schools, *, now: datetime, policy) -> WhereNow:
    """Each pupil expected at a provider in the session shown, with the mark so far; and every pupil with a
    running placement who is not expected at a provider then (with the day's other session, if any)."""
    shown = sessions_shown(schools, now=now)
    in_shown = _in_sessions_shown(shown)
    # The vulnerable pupils first: a looked-after, child-protection or child-in-need pupil unaccounted for is
    # the first thing a DSL must see.
    expected = list(
        _sessions_now(membership)
        .filter(in_shown)
        .annotate(vulnerable=ExpressionWrapper(VULNERABLE, output_field=BooleanField()))
        .order_by("-vulnerable", "school__name", "pupil__legal_last_name", "pupil__legal_first_name", "pk")
    )
    deadline = timedelta(minutes=policy.register_mark_deadline_minutes)
    for row in expected:
        row.state = mark_state(row, now=now, deadline=deadline)
        row.state_label, row.state_class = MARK_STATES[row.state]
    here = {row.pupil_id for row in expected}
    running = (
        Placement.objects.visible_to(membership)
        .filter(status=Placement.Status.ACTIVE, school__in=[s.pk for s in schools])
        .exclude(pupil_id__in=here)
        .select_related("pupil", "provider")
        .only(
            "pupil_id",
            "school_id",
            "provider_id",
            *_PUPIL_SHOWN,
            "provider__legal_name",
            "provider__trading_name",
        )
        .order_by("school__name", "pupil__legal_last_name", "pupil__legal_first_name", "pk")
    )
    elsewhere: dict[int, PupilElsewhere] = {}
    for placement in running:
        item = elsewhere.setdefault(placement.pupil_id, PupilElsewhere(placement.pupil))
        item.placements.append(placement)
    # The same day's other session of the pupils not expected now: "expected in the afternoon only".
    days = {s.day for s in shown if s.day}
    if days:
        for row in (
            ExpectedSession.objects.visible_to(membership)
            .filter(date__in=days, school_id__in=[s.school.pk for s in shown])
            .exclude(in_shown)
            .exclude(pupil_id__in=here)
            .select_related("provider")
            .only("pupil_id", "session", "provider__legal_name", "provider__trading_name")
            .order_by("session", "pk")
        ):
            if row.pupil_id in elsewhere:
                elsewhere[row.pupil_id].other_sessions.append(row)
    return WhereNow(
        shown=shown,
        expected=expected,
        elsewhere=sorted(elsewhere.values(), key=lambda e: not e.pupil.is_vulnerable),
    )


# Past one school the "now" panel counts each school's pupils by mark and names only those who need attention (a
# vulnerable pupil, an absence, a register overdue), this many at most; each school's own list is a click away.
ATTENTION_LIMIT = 50
VULNERABLE = Q(pupil__child_protection_plan=True) | Q(pupil__looked_after=True) | Q(pupil__child_in_need=True)


@dataclass
class SchoolNow:
    """One school's pupils in the session shown, counted by their mark so far."""

    shown: SchoolSession
    expected: int = 0
    present: int = 0
    late: int = 0
    absent: int = 0
    closed: int = 0
    unmarked: int = 0
    overdue: int = 0
    attention: int = 0
    not_expected: int = 0

    @property
    def school(self):
        return self.shown.school


@dataclass
class WhereNowSummary:
    """Where the pupils of many schools are: counts per school, and the pupils who need attention first."""

    shown: list[SchoolSession]
    schools: list[SchoolNow]
    attention: list  # ExpectedSession rows, vulnerable pupils first, at most ATTENTION_LIMIT
    is_summary = True

    common = WhereNow.common

    @property
    def attention_total(self) -> int:
        return sum(s.attention for s in self.schools)

    @property
    def totals(self) -> SchoolNow:
        total = SchoolNow(shown=None)
        for row in self.schools:
            for name in (
                "expected",
                "present",
                "late",
                "absent",
                "closed",
                "unmarked",
                "overdue",
                "attention",
                "not_expected",
            ):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total


def _in_sessions_shown(shown: list[SchoolSession]) -> Q:
    """Expected sessions of each school's session shown (no row when no school has a day to show)."""
    groups = defaultdict(list)
    for s in shown:
        if s.day:
            groups[(s.day, s.session)].append(s.school.pk)
    condition = Q(pk__in=[])
    for (day, session), school_ids in groups.items():
        condition |= Q(date=day, session=session, school_id__in=school_ids)
    return condition


def where_pupils_are_summary(membership, schools, *, now: datetime, policy) -> WhereNowSummary:
    """Every pupil of ``schools`` accounted for in counts per school (expected at a provider, by mark; running
    placement but not expected then), and the pupils needing attention named. The sessions shown are read once,
    as a few columns a row, and counted here; the pupils named are then read in full (three queries however many
    pupils, and the calendars')."""
    shown = sessions_shown(schools, now=now)
    in_shown = _in_sessions_shown(shown)
    cutoff = now - timedelta(minutes=policy.register_mark_deadline_minutes)
    school_name = {s.school.pk: s.school.name for s in shown}
    rows = {s.school.pk: SchoolNow(s) for s in shown}
    by_mark = {
        RegisterMark.Status.PRESENT: "present",
        RegisterMark.Status.LATE: "late",
        RegisterMark.Status.ABSENT: "absent",
        RegisterMark.Status.CLOSED: "closed",
    }
    needing, expected_pupils = [], set()
    for pk, school_id, pupil_id, starts_at, status, vulnerable, last, first in (
        ExpectedSession.objects.visible_to(membership)
        .filter(in_shown)
        .annotate(vulnerable=ExpressionWrapper(VULNERABLE, output_field=BooleanField()))
        .order_by()
        .values_list(
            "pk",
            "school_id",
            "pupil_id",
            "starts_at",
            "mark__status",
            "vulnerable",
            "pupil__legal_last_name",
            "pupil__legal_first_name",
        )
    ):
        row = rows[school_id]
        expected_pupils.add(pupil_id)
        row.expected += 1
        overdue = status is None and starts_at <= cutoff
        if status is None:
            row.unmarked += 1
            row.overdue += overdue
        elif status in by_mark:
            setattr(row, by_mark[status], getattr(row, by_mark[status]) + 1)
        if overdue or vulnerable or status == RegisterMark.Status.ABSENT:
            row.attention += 1
            needing.append((not vulnerable, school_name[school_id], last, first, pk))
    # Pupils with a running placement and no session shown (counted once a school however many placements).
    not_expected = defaultdict(set)
    for school_id, pupil_id in (
        Placement.objects.visible_to(membership)
        .filter(status=Placement.Status.ACTIVE, school__in=[s.pk for s in schools])
        .order_by()
        .values_list("school_id", "pupil_id")
    ):
        if pupil_id not in expected_pupils:
            not_expected[school_id].add(pupil_id)
    for school_id, pupils in not_expected.items():
        if school_id in rows:
            rows[school_id].not_expected = len(pupils)
    needing.sort()
    first_pks = [item[-1] for item in needing[:ATTENTION_LIMIT]]
    named = sorted(
        _sessions_now(membership).filter(pk__in=first_pks),
        key=lambda r: first_pks.index(r.pk),
    )
    deadline = timedelta(minutes=policy.register_mark_deadline_minutes)
    for row in named:
        row.state = mark_state(row, now=now, deadline=deadline)
        row.state_label, row.state_class = MARK_STATES[row.state]
    return WhereNowSummary(shown=shown, schools=list(rows.values()), attention=named)


# --- Providers in use ------------------------------------------------------------------------------------


@dataclass
class ProviderConcern:
    provider: Provider
    expired: list = field(default_factory=list)
    expiring: list = field(default_factory=list)

    @property
    def status_concern(self) -> bool:
        return self.provider.status in PROVIDER_STATUS_CONCERNS


def providers_in_use_concerns(membership, *, today: date, policy) -> list[ProviderConcern]:
    """Providers where the membership's schools have agreed or running placements and whose critical evidence
    has run out or runs out within the trust's warning window, or whose approval has lapsed or is suspended."""
    in_use = Placement.objects.visible_to(membership).current().values("provider_id")
    concerns: dict[int, ProviderConcern] = {}
    for provider in (
        Provider.objects.visible_to(membership)
        .filter(pk__in=in_use, status__in=PROVIDER_STATUS_CONCERNS)
        .order_by("legal_name")
    ):
        concerns[provider.pk] = ProviderConcern(provider)
    evidence = provider_selectors.evidence_running_out(
        membership, on=today, warning_days=policy.evidence_expiry_warning_days, critical_only=True
    ).filter(provider_id__in=in_use)
    for item in evidence:
        concern = concerns.setdefault(item.provider_id, ProviderConcern(item.provider))
        (concern.expired if item.expiry_date < today else concern.expiring).append(item)
    return sorted(concerns.values(), key=lambda c: (not c.status_concern, not c.expired, str(c.provider)))


def overdue_visits(membership, *, today: date, policy) -> list:
    """The providers whose QA visit is overdue, the first LIST_LIMIT, from the trust's QA schedule of the day
    (``qa.selectors.schedule_snapshot``: scheduling every provider reads every placement of the trust)."""
    return qa_selectors.overdue_visits(on=today, membership=membership, policy=policy)[:LIST_LIMIT]


# --- Dashboards ----------------------------------------------------------------------------------------


# What a dashboard's list shows of a review or a concern's placement: its pupil's names, provider and school
# (the full rows of the placement, pupil and provider are some hundred and fifty columns a row).
_PUPIL_AND_PROVIDER = ("pupil", "provider", *_PUPIL_SHOWN, "provider__legal_name", "provider__trading_name")
_PLACEMENT_LISTED = (
    "placement",
    "placement__school",
    "placement__school__name",
    *(f"placement__{name}" for name in _PUPIL_AND_PROVIDER),
)


_REVIEW_LISTED = ("kind", "scheduled_for", "held_on")


def _as_listed(queryset, *fields):
    """A review or concern queryset reading ``fields`` of its own and what the dashboards' lists show of its
    placement."""
    return queryset.only(*fields, *_PLACEMENT_LISTED)


def safeguarding_now(membership, *, now: datetime, policy, school=None) -> dict:
    """The part of the DSL's dashboard that changes during the day, polled by the page: open safeguarding
    concerns, and where every pupil in AP is this session: each pupil named for one school (the membership's, or
    ``school``, one of theirs), counts per school and the pupils needing attention for more."""
    schools = list(School.objects.visible_to(membership).order_by("name"))
    concerns = concern_selectors.open_concerns(membership)
    shown = [school] if school is not None else schools
    where = (
        where_pupils_are(membership, shown, now=now, policy=policy)
        if len(shown) == 1
        else where_pupils_are_summary(membership, shown, now=now, policy=policy)
    )
    return {
        "schools": schools,
        "school_shown": school,
        "where": where,
        "concerns": list(concerns[:LIST_LIMIT]),
        "now": now,
    }


def safeguarding_dashboard(membership, *, now: datetime, policy, school=None) -> dict:
    today = day_of(now)
    # The first of the open follow-ups (read in the order of their index, stopping at the limit), and how many
    # there are, counted on the index only when there are more than the list shows.
    open_follow_ups = attendance_selectors.open_follow_ups(membership)
    follow_ups = list(open_follow_ups[:LIST_LIMIT])
    follow_up_count = len(follow_ups) if len(follow_ups) < LIST_LIMIT else open_follow_ups.count()
    return {
        **safeguarding_now(membership, now=now, policy=policy, school=school),
        "follow_ups": follow_ups,
        "follow_up_count": follow_up_count,
        "consecutive": list(
            attendance_selectors.recent_chase_events(
                membership, kind=ChaseEvent.Kind.CONSECUTIVE, since=now - CONSECUTIVE_WINDOW
            )
        ),
        "provider_concerns": providers_in_use_concerns(membership, today=today, policy=policy),
        "overdue_reviews": list(
            _as_listed(
                placement_selectors.outstanding_reviews(membership).filter(scheduled_for__lt=today),
                *_REVIEW_LISTED,
            )
        ),
        "overdue_visits": overdue_visits(membership, today=today, policy=policy),
        "today": today,
        "now": now,
        "warning_days": policy.evidence_expiry_warning_days,
        "consecutive_days": CONSECUTIVE_WINDOW.days,
    }


def attendance_day_summary(membership, day: date) -> dict:
    """How many sessions of ``day`` the membership's pupils are expected at, and how many are marked so far."""
    return attendance_selectors.sessions_on(membership, day).aggregate(
        expected=Count("pk"),
        marked=Count("pk", filter=Q(mark__isnull=False)),
        absent=Count("pk", filter=Q(mark__status=RegisterMark.Status.ABSENT)),
        am=Count("pk", filter=Q(session="am")),
        am_marked=Count("pk", filter=Q(session="am", mark__isnull=False)),
        pm=Count("pk", filter=Q(session="pm")),
        pm_marked=Count("pk", filter=Q(session="pm", mark__isnull=False)),
    )


def school_dashboard(membership, *, today: date) -> dict:
    placements = Placement.objects.visible_to(membership)
    reviews = list(
        _as_listed(placement_selectors.outstanding_reviews(membership), *_REVIEW_LISTED).filter(
            scheduled_for__lte=today + timedelta(days=REVIEWS_AHEAD_DAYS)
        )
    )
    summary = attendance_day_summary(membership, today)
    summary["unmarked"] = summary["expected"] - summary["marked"]
    return {
        "stages": stage_counts(placements),
        "proposed": list(
            placements.filter(status=Placement.Status.PROPOSED)
            .select_related("pupil", "provider")
            .only("status", "start_date", "proposed_at", *_PUPIL_AND_PROVIDER)
            .order_by("start_date", "pk")[:LIST_LIMIT]
        ),
        "overdue_reviews": [r for r in reviews if r.scheduled_for < today],
        "due_reviews": [r for r in reviews if r.scheduled_for >= today],
        "reviews_ahead_days": REVIEWS_AHEAD_DAYS,
        "attendance": summary,
        "follow_up_count": attendance_selectors.open_follow_ups(membership).count(),
        "causing_concern": list(
            _as_listed(placement_selectors.causing_concern(membership), "raised_at", "raised_by_side")[
                :LIST_LIMIT
            ]
        ),
        "causing_concern_count": placement_selectors.causing_concern(membership).count(),
    }


def year_window(today: date) -> tuple[date, date]:
    """The academic year so far, as a half-open range ending after today."""
    return attendance_selectors.year_start(today), today + timedelta(days=1)


def _school_attendance(membership, *, start: date, end: date) -> tuple[dict, Counter, Counter]:
    """Each school's attendance over [start, end), and how many of its pupils are persistently and severely
    absent."""
    persistent, severe = Counter(), Counter()
    for figure in attendance_selectors.figures(membership, by="pupil", start=start, end=end):
        persistent[figure.school_id] += figure.persistent
        severe[figure.school_id] += figure.severe
    school_figures = {
        f.key: f for f in attendance_selectors.figures(membership, by="school", start=start, end=end)
    }
    return school_figures, persistent, severe


def snapshots_refresh(*, trust_id: int, today: date) -> int:
    """Work out again the trust-wide figures the trust dashboard and the governors' dashboard read
    (trusts.snapshots), and the overview and the trust-wide termly report of the default term, as the trust's
    own people see them. How many were refreshed."""
    reader = Membership(trust_id=trust_id, role=Role.TRUST_ADMIN)  # trust-wide, not saved
    start, end = year_window(today)
    refresh(
        trust_id,
        ("trust_dashboard_attendance", start, end),
        lambda: _school_attendance(reader, start=start, end=end),
    )
    refresh(
        trust_id,
        ("figures", "school", start, end),
        lambda: attendance_selectors.figures(reader, by="school", start=start, end=end),
    )
    # The QA schedule of the day, which the dashboards' overdue visits are read from.
    refresh(
        trust_id, ("qa_schedule", today), lambda: qa_selectors.visit_schedule(on=today, trust_id=trust_id)
    )
    from reports import builder, overview, termly

    refresh(
        trust_id,
        ("overview", today),
        lambda: overview.trust_overview(reader, today=today, policy=trust_policy(trust_id)),
    )
    # The trust-wide termly report page opens on the default term (the last one).
    terms = termly.terms_to_choose(today=today)
    term = termly.default_term(terms, today=today)
    if term is None:
        return 4
    period = termly.term_period(term)
    refresh(
        trust_id,
        ("termly", "trust", period.start, period.end, today),
        lambda: builder.report_for(reader, school=None, period=period, today=today, terms=terms),
    )
    return 5


def trust_dashboard(membership, *, today: date, policy) -> dict:
    schools = list(
        School.objects.visible_to(membership)
        .annotate(staff=Count("memberships", filter=Q(memberships__is_active=True)))
        .order_by("name")
    )
    providers = Provider.objects.visible_to(membership)
    provider_counts = dict(providers.order_by().values_list("status").annotate(n=Count("pk")))
    evidence = provider_selectors.evidence_running_out(
        membership, on=today, warning_days=policy.evidence_expiry_warning_days
    )
    evidence_counts = evidence.order_by().aggregate(
        expired=Count("pk", filter=Q(expiry_date__lt=today)),
        expiring=Count("pk", filter=Q(expiry_date__gte=today)),
    )

    by_school = defaultdict(Counter)
    for school_id, status, n in (
        Placement.objects.visible_to(membership)
        .order_by()
        .values_list("school_id", "status")
        .annotate(n=Count("pk"))
    ):
        by_school[school_id][status] = n
    start, end = year_window(today)
    year = snapshot(
        membership,
        ("trust_dashboard_attendance", start, end),
        lambda: _school_attendance(membership, start=start, end=end),
    )
    school_figures, persistent, severe = year.value
    statuses = Placement.Status.choices
    return {
        "provider_statuses": [
            {"status": value, "label": label, "count": provider_counts.get(value, 0)}
            for value, label in Provider.Status.choices
        ],
        "provider_total": sum(provider_counts.values()),
        "submitted": list(providers.filter(status=Provider.Status.SUBMITTED).order_by("updated_at", "pk")),
        "overdue_visits": overdue_visits(membership, today=today, policy=policy),
        "evidence": [
            (e, e.evidence_type in provider_selectors.critical_evidence_codes(e.provider))
            for e in evidence[:LIST_LIMIT]
        ],
        "evidence_counts": evidence_counts,
        "statuses": statuses,
        "school_rows": [
            {
                "school": school,
                "stages": [(value, by_school[school.pk][value]) for value, _ in statuses],
                "total": sum(by_school[school.pk].values()),
                "figure": school_figures.get(school.pk),
                "persistent": persistent[school.pk],
                "severe": severe[school.pk],
            }
            for school in schools
        ],
        "year_start": start,
        "as_of": year.as_of,
        "warning_days": policy.evidence_expiry_warning_days,
        "persistent_below": PERSISTENT_ABSENCE_BELOW,
        "severe_below": SEVERE_ABSENCE_BELOW,
        "today": today,
    }


def governor_dashboard(membership, *, today: date) -> dict:
    """Figures per school with no pupil named: counts, lengths, percentages and the providers used."""
    schools = list(School.objects.visible_to(membership).order_by("name"))
    placements = Placement.objects.visible_to(membership)
    pupils, weeks = defaultdict(set), defaultdict(list)
    for school_id, pupil_id, start_date in placements.filter(status=Placement.Status.ACTIVE).values_list(
        "school_id", "pupil_id", "start_date"
    ):
        pupils[school_id].add(pupil_id)
        weeks[school_id].append(max((today - start_date).days, 0) / 7)
    providers = defaultdict(list)
    for row in (
        placements.current()
        .order_by("school_id", "provider__legal_name")
        .values(
            "school_id",
            "provider_id",
            "provider__legal_name",
            "provider__trading_name",
            "provider__status",
            "provider__approved_until",
            "provider__registration_status",
        )
        .distinct()
    ):
        providers[row["school_id"]].append(
            {
                "pk": row["provider_id"],
                "name": row["provider__trading_name"] or row["provider__legal_name"],
                "status": row["provider__status"],
                "approved_until": row["provider__approved_until"],
                "registration": Provider.RegistrationStatus(row["provider__registration_status"]).label,
            }
        )
    # The same standing as the termly report and the overview: an approval whose critical evidence has run out
    # is not shown as plain "Approved".
    policy = trust_policy(membership.trust_id)
    used = {p["pk"]: p for rows in providers.values() for p in rows}
    standing = standings(
        membership,
        [{"pk": pk, "status": p["status"], "approved_until": p["approved_until"]} for pk, p in used.items()],
        today=today,
        warning_days=policy.evidence_expiry_warning_days,
    )
    schools_using = Counter()
    for rows in providers.values():
        for p in rows:
            p["standing"] = standing[p["pk"]]
            schools_using[p["pk"]] += 1
    # Past one school, each school's card counts its providers by standing and the providers are listed once for
    # the trust (a large trust's schools each use scores of providers: listing them per school repeated them).
    providers_used = sorted(
        ({**p, "schools": schools_using[pk]} for pk, p in used.items()),
        key=lambda p: (p["name"].lower(), p["pk"]),
    )
    start, end = year_window(today)
    year = attendance_selectors.figures_snapshot(membership, by="school", start=start, end=end)
    figures = {f.key: f for f in year.value}
    # Governors see no group small enough to pick a pupil out of: below the trust's threshold the count reads
    # "fewer than N" and the figures built on it are withheld, as in the termly report.
    anonymiser = Anonymiser(policy.report_small_number_threshold)
    rows = []
    for school in schools:
        count = anonymiser.count(len(pupils[school.pk]))
        small = count.hidden
        rows.append(
            {
                "school": school,
                "pupils": count,
                "average_weeks": (sum(weeks[school.pk]) / len(weeks[school.pk]))
                if weeks[school.pk] and not small
                else None,
                "figure": None if small else figures.get(school.pk),
                "providers": providers[school.pk],
                "standings": _standing_counts(providers[school.pk]),
            }
        )
    return {
        "rows": rows,
        "providers_used": providers_used,
        "year_start": start,
        "as_of": year.as_of,
    }


def governor_snapshot(membership, *, today: date) -> Snapshot:
    """The governors' dashboard (``governor_dashboard``): anonymised counts that no governor needs to the
    minute, kept as a snapshot shared by the trust's governors, or by one school's (``trusts.snapshots``)."""
    return snapshot(
        membership,
        ("governor_dashboard", today),
        lambda: governor_dashboard(membership, today=today),
        per_school=True,
    )


def _standing_counts(providers) -> list[dict]:
    counts = {}
    for p in providers:
        item = counts.setdefault(p["standing"].label, {"standing": p["standing"], "count": 0})
        item["count"] += 1
    return sorted(counts.values(), key=lambda c: (-c["count"], c["standing"].label))


def provider_dashboard(membership, *, today: date) -> dict:
    stages = stage_counts(Placement.objects.visible_to(membership))
    awaiting = placement_selectors.referrals_awaiting_answer(membership)
    awaiting_rows = list(awaiting.only(*PROVIDER_DASHBOARD_REFERRAL_FIELDS)[:LIST_LIMIT])
    return {
        "register": attendance_day_summary(membership, today),
        "stages": [s for s in stages if s["status"] != Placement.Status.DRAFT],
        # The provider sees no drafts, so every placement it sees is at one of the stages counted.
        "placement_total": sum(s["count"] for s in stages),
        "today": today,
        "awaiting_answer": awaiting_rows,
        # Counted apart only when the list stops at its limit.
        "awaiting_answer_count": len(awaiting_rows) if len(awaiting_rows) < LIST_LIMIT else awaiting.count(),
        "behaviour_updates_due": list(
            placement_selectors.behaviour_updates_due(membership, today=today)
            .select_related(None)
            .select_related("placement__pupil", "placement__school")
            .only(*PROVIDER_DASHBOARD_CONCERN_FIELDS)[:LIST_LIMIT]
        ),
    }


# The columns the provider's dashboard shows of its referrals and of its placements causing concern.
PROVIDER_DASHBOARD_REFERRAL_FIELDS = (
    "start_date",
    "proposed_at",
    "pupil__legal_first_name",
    "pupil__legal_last_name",
    "pupil__preferred_name",
    "school__name",
)
PROVIDER_DASHBOARD_CONCERN_FIELDS = (
    "raised_at",
    "placement__pupil__legal_first_name",
    "placement__pupil__legal_last_name",
    "placement__pupil__preferred_name",
    "placement__school__name",
)
