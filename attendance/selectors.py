"""Queries of the attendance app: registers, open follow-ups and attendance figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from attendance.codes import MIN_SESSIONS_FOR_ABSENCE_FLAGS, PERSISTENT_ABSENCE_BELOW, SEVERE_ABSENCE_BELOW
from attendance.models import (
    AbsenceFollowUp,
    ChaseEvent,
    ExpectedSession,
    RegisterArrangement,
    RegisterMark,
    Session,
    marked_late,
)
from trusts.calendar import calendars_for
from trusts.models import AcademicYear
from trusts.prepared import prepared
from trusts.snapshots import Snapshot, snapshot


def register_rows(membership):
    """The expected sessions ``membership`` may see, each with everything a register row shows and a mark needs
    (its placement and register arrangement), in one query."""
    return ExpectedSession.objects.visible_to(membership).select_related(
        "pupil", "school", "provider", "placement__register", "mark__marked_by", "follow_up"
    )


# The columns of an expected session every lean row of it reads (a register row, a tap, the DSL's "now"), and
# the pupil's names it shows.
SESSION_ROW_FIELDS = (
    "placement_id",
    "pupil_id",
    "school_id",
    "provider_id",
    "date",
    "session",
    "starts_at",
    "ends_at",
)
PUPIL_NAME_FIELDS = ("pupil__legal_first_name", "pupil__legal_last_name", "pupil__preferred_name")


# What a tap needs of its session, and no more: the row it answers with (the pupil's names, the times, the
# school) and what the mark is checked against (the placement's status and register arrangement). A tap is the
# busiest request of the day, and the full rows of the pupil, placement and provider are nearly two hundred
# columns to select, read and build for nothing. The mark is left out: a saved tap answers with the mark it
# wrote, and a refused one reads the mark that stands (``standing_mark``).
_TAP_FIELDS = (
    "trust_id",
    *SESSION_ROW_FIELDS,
    "placement__trust_id",
    "placement__status",
    "placement__register",
    *PUPIL_NAME_FIELDS,
    "school__name",
)


def register_row_for_tap():
    """Expected sessions, each with what one register row shows and a mark needs, in one query of only those
    columns (``register_rows`` less the mark, the provider, the follow-up and every column the row does not
    show). The caller narrows it to what the person may see (``get_visible_or_404``)."""
    return ExpectedSession.objects.select_related("pupil", "school", "placement__register").only(*_TAP_FIELDS)


def standing_mark(session: ExpectedSession) -> RegisterMark | None:
    """The session's mark as it stands, with who made it; None when it has none."""
    return RegisterMark.objects.select_related("marked_by").filter(expected_session_id=session.pk).first()


def sessions_on(membership, day: date):
    """The expected sessions of one day that ``membership`` may see, with everything a register row shows,
    in a fixed number of queries whatever the number of pupils."""
    return (
        register_rows(membership)
        .filter(date=day)
        .order_by("session", "pupil__legal_last_name", "pupil__legal_first_name", "pk")
    )


def school_register_rows(membership, day: date):
    """The school's register of one day: the expected sessions ``membership`` may see, morning then afternoon,
    by pupil, as tuples of the columns the register shows of the pupil, the provider and the mark (read as plain
    rows: building a pupil, a provider, a placement, a mark and its user for each of a school's hundred-odd
    sessions cost more than the page). ``school_register_groups`` draws them."""
    return (
        ExpectedSession.objects.visible_to(membership)
        .filter(date=day)
        .order_by("session", "pupil__legal_last_name", "pupil__legal_first_name", "pk")
        .values_list(
            "pk",
            "session",
            "starts_at",
            "pupil__legal_first_name",
            "pupil__legal_last_name",
            "school__name",
            "provider__trading_name",
            "provider__legal_name",
            "mark__pk",
            "mark__status",
            "mark__late_minutes",
            "mark__absence_reason",
            "mark__marked_at",
            "mark__school_code",
            "mark__marked_by__first_name",
            "mark__marked_by__last_name",
            "mark__marked_by__username",
        )
    )


def school_register_groups(rows) -> list[tuple[str, list[dict]]]:
    """``school_register_rows`` (all or a page of them) by session, each row a dict of what the register shows,
    its mark None when unmarked."""
    status_labels = dict(RegisterMark.Status.choices)
    groups: dict[str, list[dict]] = {}
    for (
        pk,
        session,
        starts_at,
        first_name,
        last_name,
        school,
        trading_name,
        legal_name,
        mark_pk,
        status,
        late_minutes,
        absence_reason,
        marked_at,
        school_code,
        by_first,
        by_last,
        by_username,
    ) in rows:
        mark = None
        if mark_pk is not None:
            mark = {
                "pk": mark_pk,
                "status": status,
                "status_label": status_labels[status],
                "late_minutes": late_minutes,
                "absence_reason": absence_reason,
                # As User.get_full_name, falling back on the username.
                "marked_by": f"{by_first} {by_last}".strip() or by_username,
                "marked_at": timezone.localtime(marked_at).strftime("%H:%M"),
                "late_marking": marked_late(marked_at, starts_at),
                "school_code": school_code,
            }
        groups.setdefault(session, []).append(
            {
                "pk": pk,
                "pupil": f"{first_name} {last_name}",
                "school": school,
                "provider": trading_name or legal_name,  # as Provider.__str__
                "mark": mark,
            }
        )
    return [(Session(session).label, session_rows) for session, session_rows in groups.items()]


# What the provider's register shows of a session: the pupil's names, the times, the school, and the mark with
# who made it (its version guards a second phone's tap).
_REGISTER_FIELDS = (
    *SESSION_ROW_FIELDS,
    *PUPIL_NAME_FIELDS,
    "school__name",
    "mark__status",
    "mark__late_minutes",
    "mark__absence_reason",
    "mark__marked_at",
    "mark__version",
    "mark__marked_by__username",
    "mark__marked_by__first_name",
    "mark__marked_by__last_name",
)


def register_day(membership, day: date):
    """The provider's register of one day: the expected sessions ``membership`` may see, in ``sessions_on``'s
    order, with only the columns a register row shows (``register_rows`` reads the whole placement, pupil,
    provider and follow-up of each, which the page never shows). One query."""
    return (
        ExpectedSession.objects.visible_to(membership)
        .filter(date=day)
        .select_related("pupil", "school", "mark__marked_by")
        .only(*_REGISTER_FIELDS)
        .order_by("session", "pupil__legal_last_name", "pupil__legal_first_name", "pk")
    )


def open_follow_ups(membership):
    """Open absence follow-ups, vulnerable pupils first, then oldest first."""
    return (
        AbsenceFollowUp.objects.visible_to(membership)
        .open()
        .select_related(
            "expected_session__pupil",
            "expected_session__provider",
            "expected_session__school",
            "expected_session__mark",
        )
        .order_by("-vulnerable", "opened_at", "pk")
    )


@dataclass
class PupilFollowUps:
    """One pupil's open follow-ups, shown as one row: seven absences of one child are one phone call. Each item
    is a dict of what the list shows of it (``open_follow_up_list``)."""

    pupil_pk: int
    pupil_name: str
    school_name: str
    items: list

    @property
    def vulnerable(self) -> bool:
        return any(item["vulnerable"] for item in self.items)

    @property
    def first(self):
        return self.items[0]


def day_month(day: date) -> str:
    """As the ``date:"D j M"`` filter draws it: "Mon 23 Nov"."""
    return f"{day:%a} {day.day} {day:%b}"


def open_follow_up_list(membership, *, limit: int) -> list[PupilFollowUps]:
    """The first ``limit`` open follow-ups (in ``open_follow_ups``' order) grouped by pupil, each group where its
    pupil's first item came. One query of the columns the list shows, read as plain rows with their dates
    already drawn: a model for each follow-up, session, pupil, school, provider and mark, and a date filter for
    each line, cost more than the rest of the page."""
    session_labels = dict(Session.choices)
    groups: dict[int, PupilFollowUps] = {}
    query = open_follow_ups(membership)[:limit].values_list(
        "pk",
        "vulnerable",
        "opened_at",
        "expected_session__date",
        "expected_session__session",
        "expected_session__pupil_id",
        "expected_session__pupil__legal_first_name",
        "expected_session__pupil__legal_last_name",
        # The follow-up's own school (its session's): one join fewer to plan and run than through the session.
        "school__name",
        "expected_session__provider__trading_name",
        "expected_session__provider__legal_name",
        "expected_session__mark__absence_reason",
    )
    # Prepared: PostgreSQL plans the six-table join once a connection rather than on every read (planning cost
    # more than running it).
    with prepared():
        rows = list(query)
    for (
        pk,
        vulnerable,
        opened_at,
        day,
        session,
        pupil_pk,
        first_name,
        last_name,
        school_name,
        trading_name,
        legal_name,
        absence_reason,
    ) in rows:
        group = groups.get(pupil_pk)
        if group is None:
            group = groups[pupil_pk] = PupilFollowUps(pupil_pk, f"{first_name} {last_name}", school_name, [])
        opened = timezone.localtime(opened_at)
        group.items.append(
            {
                "pk": pk,
                "vulnerable": vulnerable,
                "provider": trading_name or legal_name,  # as Provider.__str__
                "session": f"{day_month(day)} {session_labels[session].lower()}",
                "opened_at": f"{day_month(opened)} {opened:%H:%M}",
                "absence_reason": absence_reason or "",
            }
        )
    return list(groups.values())


def recent_chase_events(membership, *, kind: str, since):
    """Steps of the chase chain of one kind since ``since``, newest first, with the pupil and the provider."""
    return (
        ChaseEvent.objects.visible_to(membership)
        .filter(kind=kind, occurred_at__gte=since)
        .select_related("expected_session__pupil", "expected_session__provider", "expected_session__school")
        .order_by("-occurred_at", "-pk")
    )


@dataclass(frozen=True)
class Figure:
    label: str
    possible: int
    attended: int
    absent: int
    late: int
    # The id of what the row is about (pupil, placement, provider or school), and the pupil's school.
    key: int | None = None
    school_id: int | None = None

    @property
    def percentage(self) -> float | None:
        return round(100 * self.attended / self.possible, 1) if self.possible else None

    @property
    def enough_sessions(self) -> bool:
        return self.possible >= MIN_SESSIONS_FOR_ABSENCE_FLAGS

    @property
    def persistent(self) -> bool:
        return self.enough_sessions and self.percentage < PERSISTENT_ABSENCE_BELOW

    @property
    def severe(self) -> bool:
        return self.enough_sessions and self.percentage < SEVERE_ABSENCE_BELOW


ATTENDED = Q(mark__status__in=[RegisterMark.Status.PRESENT, RegisterMark.Status.LATE])
POSSIBLE = Q(
    mark__status__in=[RegisterMark.Status.PRESENT, RegisterMark.Status.LATE, RegisterMark.Status.ABSENT]
)


def figures(membership, *, by: str, start: date, end: date) -> list[Figure]:
    """Attendance per pupil, placement, provider or school over [start, end). A possible session is one the
    provider marked present, late or absent; sessions the provider was closed do not count against the pupil."""
    group = {
        "pupil": ("pupil_id", "pupil__legal_first_name", "pupil__legal_last_name", "school_id"),
        "placement": (
            "placement_id",
            "pupil__legal_first_name",
            "pupil__legal_last_name",
            "provider__legal_name",
            "school_id",
        ),
        "provider": ("provider_id", "provider__legal_name"),
        "school": ("school_id", "school__name"),
    }[by]
    rows = (
        ExpectedSession.objects.visible_to(membership)
        .filter(date__gte=start, date__lt=end)
        .values(*group)
        .annotate(
            possible=Count("pk", filter=POSSIBLE),
            attended=Count("pk", filter=ATTENDED),
            absent=Count("pk", filter=Q(mark__status=RegisterMark.Status.ABSENT)),
            late=Count("pk", filter=Q(mark__status=RegisterMark.Status.LATE)),
        )
        .order_by(*group[1:])
    )
    result = []
    for row in rows:
        label = " ".join(str(row[k]) for k in group[1:3])
        if by == "placement":
            label = f"{label} at {row['provider__legal_name']}"
        result.append(
            Figure(
                label,
                row["possible"],
                row["attended"],
                row["absent"],
                row["late"],
                key=row[group[0]],
                school_id=row.get("school_id"),
            )
        )
    return result


def figures_snapshot(membership, *, by: str, start: date, end: date) -> Snapshot:
    """``figures`` from the trust's snapshot for the trust's own people, and from their school's for a school's
    staff (the figures of the school's pupils, whoever of its staff reads them), at most ``snapshots.MAX_AGE``
    old (``as_of`` says when); counted live for provider staff."""
    return snapshot(
        membership,
        ("figures", by, start, end),
        lambda: figures(membership, by=by, start=start, end=end),
        per_school=True,
    )


def week_bounds(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=7)


def year_start(day: date) -> date:
    year = AcademicYear.objects.filter(start_date__lte=day, end_date__gte=day).first()
    if year:
        return year.start_date
    return date(day.year if day.month >= 9 else day.year - 1, 9, 1)


def export_rows(membership, *, start: date, end: date) -> list[tuple]:
    """(UPN, date, session, code, school URN) for the school's MIS over [start, end): every marked session at a
    provider, and C2 for the other sessions of pupils whose placement is on part-time timetable leave. A fixed
    number of queries, however many placements and days."""
    marked = list(
        RegisterMark.objects.visible_to(membership)
        .filter(expected_session__date__gte=start, expected_session__date__lt=end)
        .exclude(school_code="")
        .values_list(
            "expected_session__pupil__upn",
            "expected_session__date",
            "expected_session__session",
            "school_code",
            "expected_session__school__urn",
        )
    )
    return sorted(
        marked + _part_time_leave_rows(membership, start=start, end=end), key=lambda r: (r[0], r[1], r[2])
    )


def _part_time_leave_rows(membership, *, start: date, end: date) -> list[tuple]:
    from placements.models import Placement

    placements = list(
        Placement.objects.visible_to(membership)
        .filter(status__in=["active", "ended"], register__part_time_leave=True)
        .select_related("pupil", "school")
        .order_by("pk")
    )
    windows = {}
    for placement in placements:
        first = max(start, placement.start_date)
        last = placement.ended_on or placement.planned_end_date
        stop = min(end, last + timedelta(days=1)) if last else end
        if first < stop:
            windows[placement.pk] = (first, stop)
    if not windows:
        return []
    placements = [p for p in placements if p.pk in windows]
    calendars = calendars_for({p.school_id: p.school for p in placements}.values())
    # Sessions the pupil is expected at any provider are not leave: one query for every pupil on leave.
    expected = set(
        ExpectedSession.objects.filter(
            pupil_id__in={p.pupil_id for p in placements}, date__gte=start, date__lt=end
        ).values_list("pupil_id", "date", "session")
    )
    rows = {}
    for placement in placements:
        first, stop = windows[placement.pk]
        for day in calendars[placement.school_id].school_days(first, stop):
            for session in (Session.AM, Session.PM):
                if (placement.pupil_id, day, session) not in expected:
                    # Two placements of one pupil on leave give the same session once.
                    rows[(placement.pupil_id, day, session)] = (
                        placement.pupil.upn,
                        day,
                        str(session),
                        "C2",
                        placement.school.urn,
                    )
    return list(rows.values())


# A consecutive-absence alert stays on the pupil's pages for two weeks after it was raised.
CONSECUTIVE_ALERT_SHOWN_DAYS = 14


@dataclass(frozen=True)
class AttendanceSummary:
    week: Figure
    year: Figure
    week_start: date
    year_start: date
    open_follow_ups: int | None
    consecutive_alert: object | None  # the latest ChaseEvent of kind "consecutive", or None


def attendance_summary(membership, *, today: date, placement=None, pupil=None, with_alerts: bool = True):
    """This week's and year-to-date attendance at providers for one placement or one pupil (all their
    placements), with the open follow-ups and any recent consecutive-absence alert. Four queries at most,
    whatever the number of sessions."""
    from attendance.models import ChaseEvent

    subject = {"placement": placement} if placement is not None else {"pupil": pupil}
    week_start, week_end = week_bounds(today)
    start_of_year = year_start(today)
    tomorrow = today + timedelta(days=1)
    in_week = Q(date__gte=week_start, date__lt=min(week_end, tomorrow))
    in_year = Q(date__gte=start_of_year, date__lt=tomorrow)
    counts = (
        ExpectedSession.objects.visible_to(membership)
        .filter(**subject)
        .filter(date__gte=min(week_start, start_of_year), date__lt=tomorrow)
        .aggregate(
            week_possible=Count("pk", filter=POSSIBLE & in_week),
            week_attended=Count("pk", filter=ATTENDED & in_week),
            week_absent=Count("pk", filter=Q(mark__status=RegisterMark.Status.ABSENT) & in_week),
            week_late=Count("pk", filter=Q(mark__status=RegisterMark.Status.LATE) & in_week),
            year_possible=Count("pk", filter=POSSIBLE & in_year),
            year_attended=Count("pk", filter=ATTENDED & in_year),
            year_absent=Count("pk", filter=Q(mark__status=RegisterMark.Status.ABSENT) & in_year),
            year_late=Count("pk", filter=Q(mark__status=RegisterMark.Status.LATE) & in_year),
        )
    )
    week = Figure("This week", *(counts[f"week_{k}"] for k in ("possible", "attended", "absent", "late")))
    year = Figure("This year", *(counts[f"year_{k}"] for k in ("possible", "attended", "absent", "late")))
    open_count = alert = None
    if with_alerts:
        session_subject = {f"expected_session__{k}": v for k, v in subject.items()}
        open_count = AbsenceFollowUp.objects.visible_to(membership).open().filter(**session_subject).count()
        alert = (
            ChaseEvent.objects.visible_to(membership)
            .filter(
                kind=ChaseEvent.Kind.CONSECUTIVE,
                occurred_at__gte=timezone.now() - timedelta(days=CONSECUTIVE_ALERT_SHOWN_DAYS),
                **session_subject,
            )
            .select_related("expected_session")
            .order_by("-occurred_at", "-pk")
            .first()
        )
    return AttendanceSummary(week, year, week_start, start_of_year, open_count, alert)


def placement_sessions_counted(placement, start: date, end: date) -> tuple[int, int]:
    """Sessions possible and attended at one placement from ``start`` to ``end`` (both included), from the
    registers: what provider reports and reviews state as the placement's attendance. One query."""
    counts = ExpectedSession.objects.filter(placement=placement, date__gte=start, date__lte=end).aggregate(
        possible=Count("pk", filter=POSSIBLE), attended=Count("pk", filter=ATTENDED)
    )
    return counts["possible"], counts["attended"]


def register_arrangement_shown(placement) -> RegisterArrangement:
    """The placement's register arrangement, or the default one unsaved: showing it never writes it (the
    first save, or the first job that needs it, creates the row)."""
    existing = RegisterArrangement.objects.filter(placement=placement).first()
    return existing or RegisterArrangement(placement=placement, trust=placement.trust)
