"""Writes of the attendance app: expected sessions, register marks, school codes, follow-ups and the chase chain."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from attendance import codes
from attendance.models import AbsenceFollowUp, ChaseEvent, ExpectedSession, RegisterArrangement, RegisterMark
from trusts.calendar import SchoolCalendar, calendars_for
from trusts.errors import DomainError
from trusts.prepared import prepared

# How far ahead sessions are laid out; a daily job keeps the horizon moving.
HORIZON_DAYS = 28
# A register can be marked from shortly before the session starts (pupils arrive early), never for a later one.
EARLIEST_MARK_BEFORE_START = timedelta(minutes=30)
# The chase chain looks this far back each run, so a worker that was down for a weekend still catches up.
CHASE_LOOKBACK = timedelta(days=7)
# How far back a run of consecutive absences is traced.
RUN_LOOKBACK = timedelta(days=60)


def _aware(day: date, at) -> datetime:
    return timezone.make_aware(datetime.combine(day, at), timezone.get_default_timezone())


def placement_register_arrangement(*, placement) -> RegisterArrangement:
    arrangement, _ = RegisterArrangement.objects.get_or_create(
        placement=placement, defaults={"trust_id": placement.trust_id}
    )
    return arrangement


def placement_session_window(placement) -> tuple[date, date | None]:
    """First day and the day after the last day the pupil is expected at the provider (None: open-ended)."""
    last = placement.ended_on or placement.planned_end_date
    return placement.start_date, (last + timedelta(days=1)) if last else None


def _session_rows(
    *, placement, start: date, end: date, calendar: SchoolCalendar, timetable
) -> list[ExpectedSession]:
    """The sessions of ``placement`` on the school days d with start <= d < end (inside its own dates), unsaved."""
    first, stop = placement_session_window(placement)
    start = max(start, first)
    if stop is not None:
        end = min(end, stop)
    if start >= end:
        return []
    rows = []
    for day in calendar.school_days(start, end):
        for slot in timetable:
            if slot.weekday != day.weekday():
                continue
            rows.append(
                ExpectedSession(
                    trust_id=placement.trust_id,
                    placement=placement,
                    pupil_id=placement.pupil_id,
                    school_id=placement.school_id,
                    provider_id=placement.provider_id,
                    date=day,
                    session=slot.session,
                    starts_at=_aware(day, slot.start_time),
                    ends_at=_aware(day, slot.end_time),
                )
            )
    return rows


def expected_sessions_generate(
    *,
    placement,
    start: date,
    end: date,
    calendar: SchoolCalendar | None = None,
    not_before: datetime | None = None,
) -> int:
    """Lay out the sessions of ``placement`` for school days d with start <= d < end (and, with ``not_before``,
    only sessions starting after it). Safe to repeat."""
    calendar = calendar or SchoolCalendar(placement.school)
    rows = _session_rows(
        placement=placement, start=start, end=end, calendar=calendar, timetable=list(placement.sessions.all())
    )
    if not rows:
        return 0
    existing = set(
        ExpectedSession.objects.filter(
            placement=placement, date__gte=rows[0].date, date__lte=rows[-1].date
        ).values_list("date", "session")
    )
    rows = [row for row in rows if (row.date, row.session) not in existing]
    if not_before is not None:
        rows = [row for row in rows if row.starts_at > not_before]
    # A concurrent run may have written some meanwhile: the unique constraint decides, quietly.
    ExpectedSession.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def expected_sessions_refresh(*, placement, now: datetime | None = None) -> int:
    """Bring a placement's future sessions in line with its timetable and dates. Sessions that have started,
    or carry a mark, are history and stay as they are."""
    now = now or timezone.now()
    with transaction.atomic():
        # Only sessions that can't be marked yet; the row locks make a concurrent mark_record (which locks the
        # session first) and this refresh take turns instead of colliding.
        doomed = list(
            ExpectedSession.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(placement=placement, starts_at__gt=now + EARLIEST_MARK_BEFORE_START, mark__isnull=True)
            .values_list("pk", flat=True)
        )
        ExpectedSession.objects.filter(pk__in=doomed, mark__isnull=True).delete()
        if placement.status not in ("agreed", "active"):
            return 0
        today = timezone.localdate(now)
        return expected_sessions_generate(
            placement=placement, start=today, end=today + timedelta(days=HORIZON_DAYS)
        )


def expected_sessions_extend_all(*, now: datetime | None = None) -> int:
    """Daily: keep every active placement's sessions laid out to the horizon (the trust is the active scope).
    A fixed number of queries however many placements (the calendars, the placements with their timetables, the
    sessions already laid out, the inserts in batches), and each school's days worked out once."""
    from placements.models import Placement

    now = now or timezone.now()
    today = timezone.localdate(now)
    end = today + timedelta(days=HORIZON_DAYS)
    earliest = today - timedelta(days=7)
    # Plain rows, not model instances: at a large trust's thousands of placements and their timetables, making
    # objects of them was most of the run.
    placements = list(
        Placement.objects.filter(status="active").values_list(
            "pk",
            "trust_id",
            "pupil_id",
            "school_id",
            "provider_id",
            "start_date",
            "ended_on",
            "planned_end_date",
        )
    )
    if not placements:
        return 0
    from placements.models import TimetableSession
    from trusts.models import School

    slots_of = {}
    for placement_id, weekday, session, start_time, end_time in TimetableSession.objects.filter(
        placement__status="active"
    ).values_list("placement_id", "weekday", "session", "start_time", "end_time"):
        slots_of.setdefault(placement_id, {}).setdefault(weekday, []).append((session, start_time, end_time))
    calendars = calendars_for(School.objects.filter(pk__in={row[3] for row in placements}))
    school_days = {pk: calendar.school_days(earliest, end) for pk, calendar in calendars.items()}
    existing = set(
        ExpectedSession.objects.filter(
            placement__status="active", date__gte=earliest, date__lt=end
        ).values_list("placement_id", "date", "session")
    )
    rows = []
    for pk, trust_id, pupil_id, school_id, provider_id, first, ended_on, planned_end in placements:
        # placement_session_window, on the plain row.
        last = ended_on or planned_end
        stop = (last + timedelta(days=1)) if last else None
        start = max(min(today, first) if first >= earliest else today, first)
        stop = min(end, stop) if stop is not None else end
        slots = slots_of.get(pk, {})
        if not slots:
            continue
        for day in school_days[school_id]:
            if not start <= day < stop:
                continue
            for session, start_time, end_time in slots.get(day.weekday(), ()):
                if (pk, day, session) in existing:
                    continue
                rows.append(
                    ExpectedSession(
                        trust_id=trust_id,
                        placement_id=pk,
                        pupil_id=pupil_id,
                        school_id=school_id,
                        provider_id=provider_id,
                        date=day,
                        session=session,
                        starts_at=_aware(day, start_time),
                        ends_at=_aware(day, end_time),
                    )
                )
    # A concurrent run may have written some meanwhile: the unique constraint decides, quietly.
    ExpectedSession.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


def _derived_code(*, status: str, arrangement: RegisterArrangement) -> str:
    if status in (RegisterMark.Status.PRESENT, RegisterMark.Status.LATE):
        return codes.attending_code(arrangement=arrangement.arrangement)
    if status == RegisterMark.Status.ABSENT:
        return codes.PENDING_ABSENCE_CODE
    return ""  # provider closed: the attendance officer chooses


# The version a register page sends for a session it showed unmarked (a saved mark starts at 1).
UNMARKED_VERSION = 0


class StaleMarkError(DomainError):
    """A mark made from a page that no longer shows the session as it is: someone else marked it meanwhile.
    Nothing is overwritten; ``current`` is the mark that stands."""

    def __init__(self, *, current: RegisterMark | None, attempted: str):
        self.current = current
        self.attempted = attempted
        chosen = RegisterMark.Status(attempted).label.lower()
        if current is None:
            message = f"This session changed while you had the page open; your {chosen} mark was not saved."
        else:
            by = current.marked_by.get_full_name() or current.marked_by.get_username()
            message = (
                f"{by} marked this pupil {current.get_status_display().lower()} at "
                f"{timezone.localtime(current.marked_at):%H:%M} while you had the page open. That mark stands; "
                f"your {chosen} mark was not saved. Tap again if it should change."
            )
        super().__init__(message, field="status")


def fetched_arrangement(session: ExpectedSession) -> RegisterArrangement | None:
    """The register arrangement fetched with ``session`` (``placement__register``), None if it has none yet."""
    try:
        return session.placement.register
    except RegisterArrangement.DoesNotExist:
        return None


FOLLOW_UP_CLOSED_BY_MARK = "Marked present by the provider after all."


@cache
def _mark_write_sql(*, update_only: bool, columns: tuple[str, ...]) -> str:
    """One statement: the mark written if the version the person saw still stands (an insert for a session with
    no mark, else an update), its history row, and an open, uncontacted follow-up closed when the mark is not
    an absence. It returns the mark's row, or nothing when the version check refused the change.

    Built once a process for each of its two forms (reaching the history model alone builds a manager)."""
    mark_table = RegisterMark._meta.db_table
    history_table = RegisterMark.history.model._meta.db_table
    follow_up_table = AbsenceFollowUp._meta.db_table
    # school_code stays the attendance officer's when they chose it and the mark is (still) an absence.
    keep = "(%(keep_code)s AND r.code_set_by_id IS NOT NULL)"
    changes = (
        "status = %(status)s, late_minutes = %(late_minutes)s, absence_reason = %(absence_reason)s, "
        "marked_by_id = %(marked_by_id)s, marked_at = %(marked_at)s, version = r.version + 1, "
        f"school_code = CASE WHEN {keep} THEN r.school_code ELSE %(school_code)s END, "
        f"code_set_by_id = CASE WHEN {keep} THEN r.code_set_by_id END, "
        f"code_set_at = CASE WHEN {keep} THEN r.code_set_at END"
    )
    returned = ", ".join(f"r.{c}" for c in columns)
    if update_only:
        write = (
            f"UPDATE {mark_table} AS r SET {changes} "
            "WHERE r.expected_session_id = %(expected_session_id)s AND r.version = %(expected_version)s "
            f"RETURNING {returned}, false AS created"
        )
    else:
        values = ", ".join(f"%({c})s" for c in columns if c != "id")
        write = (
            f"INSERT INTO {mark_table} AS r ({', '.join(c for c in columns if c != 'id')}) VALUES ({values}) "
            f"ON CONFLICT (expected_session_id) DO UPDATE SET {changes} WHERE %(overwrite)s "
            f"RETURNING {returned}, (r.xmax = 0) AS created"
        )
    history = ", ".join(columns)
    return (
        f"WITH m AS ({write}), "
        f"h AS (INSERT INTO {history_table} ({history}, history_date, history_change_reason, history_type, "
        f"history_user_id) SELECT {history}, %(history_date)s, NULL, CASE WHEN created THEN '+' ELSE '~' END, "
        "%(marked_by_id)s FROM m), "
        f"f AS (UPDATE {follow_up_table} SET closed_at = %(marked_at)s, outcome = '', reason = %(closed_reason)s "
        "WHERE expected_session_id = %(expected_session_id)s AND closed_at IS NULL AND contacted_at IS NULL "
        "AND %(close_follow_up)s AND EXISTS (SELECT 1 FROM m)) "
        f"SELECT {history}, created FROM m"
    )


def mark_record(
    *,
    session: ExpectedSession,
    status: str,
    by_user,
    late_minutes: int | None = None,
    absence_reason: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
    arrangement: RegisterArrangement | None = None,
) -> RegisterMark:
    """Mark one session. Two people marking the same session at once end with one mark (the unique mark of a
    session and the row lock of the write make the second wait), and every change is kept in the mark's history.

    ``expected_version`` is the version of the mark the person saw (``UNMARKED_VERSION`` for none): when the
    mark has moved on since, the change is refused with ``StaleMarkError`` and the mark that stands is kept,
    so one phone never silently overwrites another's mark. Without it, the latest mark wins.

    The write is one statement (the mark with its version check, its history row, and the follow-up it
    settles), so a tap costs one round trip. ``arrangement`` is the placement's register arrangement when the
    caller has just fetched it with the session (``fetched_arrangement``); otherwise it is looked up."""
    now = now or timezone.now()
    problems = []
    if status not in RegisterMark.Status.values:
        problems.append("Choose present, late, absent or provider closed.")
    if status == RegisterMark.Status.LATE and (late_minutes is None or not 1 <= late_minutes <= 240):
        problems.append("Say how many minutes late (1 to 240).")
    if session.starts_at - EARLIEST_MARK_BEFORE_START > now:
        problems.append("This session has not started yet: a register can't be marked in advance.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    placement = session.placement
    if placement.status not in ("agreed", "active", "ended"):
        raise DomainError("This pupil's placement is not running, so there is no register to mark.")
    if arrangement is None:
        arrangement = placement_register_arrangement(placement=placement)

    mark = RegisterMark(
        trust_id=session.trust_id,
        expected_session_id=session.pk,
        status=status,
        late_minutes=late_minutes if status == RegisterMark.Status.LATE else None,
        absence_reason=absence_reason.strip()[:300] if status == RegisterMark.Status.ABSENT else "",
        marked_by=by_user,
        marked_at=now,
        school_code=_derived_code(status=status, arrangement=arrangement),
    )
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return _mark_record_portable(
            session=session, mark=mark, expected_version=expected_version, arrangement=arrangement, now=now
        )
    fields = [f for f in RegisterMark._meta.concrete_fields]
    columns = tuple(f.column for f in fields)
    params = {
        f.column: f.get_db_prep_save(getattr(mark, f.attname), connection)
        for f in fields
        if not f.primary_key
    }
    update_only = expected_version is not None and expected_version != UNMARKED_VERSION
    params.update(
        expected_version=expected_version,
        overwrite=expected_version is None,
        keep_code=status == RegisterMark.Status.ABSENT,
        close_follow_up=status != RegisterMark.Status.ABSENT,
        closed_reason=FOLLOW_UP_CLOSED_BY_MARK,
        history_date=timezone.now(),
    )
    try:
        # Prepared, like the tap's read: planned once a connection, and its parameters sent apart from the text.
        with prepared(), connection.cursor() as cursor:
            cursor.execute(_mark_write_sql(update_only=update_only, columns=columns), params)
            row = cursor.fetchone()
    except IntegrityError:
        # The session went (a timetable change laid the day out again) between the page and the tap.
        raise DomainError("This session is no longer on the register; reload the page.") from None
    if row is None:
        # The page showed an older state: someone marked this session meanwhile. Their mark stands.
        current = (
            RegisterMark.objects.select_related("marked_by").filter(expected_session_id=session.pk).first()
        )
        raise StaleMarkError(current=current, attempted=status)
    for field, value in zip(fields, row, strict=False):
        setattr(mark, field.attname, value)
    mark._state.adding = False
    session.mark = mark  # the caller's session shows the mark that now stands, without a query
    if mark.code_set_by_id is None:
        mark.code_set_by = None
    if status == RegisterMark.Status.ABSENT:
        # Tell the school at once; the beat run would catch it within minutes anyway.
        from attendance.tasks import chase

        chase.delay(trust_id=session.trust_id)
    return mark


def _mark_record_portable(*, session, mark, expected_version, arrangement, now) -> RegisterMark:
    """``mark_record``'s write for a database without data-modifying CTEs (SQLite, the embedded demo): the same
    rules (the version check, the attendance officer's code kept on an absence, the follow-up a mark settles)
    in a few ORM statements under the session's row lock."""
    with transaction.atomic():
        locked = ExpectedSession.objects.select_for_update().get(pk=session.pk)
        current = RegisterMark.objects.filter(expected_session=locked).first()
        if expected_version is not None and expected_version != (
            current.version if current else UNMARKED_VERSION
        ):
            raise StaleMarkError(current=current, attempted=mark.status)
        if current is None:
            current = mark
        else:
            keep_code = current.code_set_by_id is not None and mark.status == RegisterMark.Status.ABSENT
            for field in ("status", "late_minutes", "absence_reason", "marked_by", "marked_at"):
                setattr(current, field, getattr(mark, field))
            current.version += 1
            if not keep_code:
                current.school_code = _derived_code(status=mark.status, arrangement=arrangement)
                current.code_set_by = None
                current.code_set_at = None
        current.save()
        if mark.status != RegisterMark.Status.ABSENT:
            AbsenceFollowUp.objects.filter(
                expected_session=locked, closed_at__isnull=True, contacted_at__isnull=True
            ).update(closed_at=now, outcome="", reason=FOLLOW_UP_CLOSED_BY_MARK)
    session.mark = current
    if mark.status == RegisterMark.Status.ABSENT:
        from attendance.tasks import chase

        chase.delay(trust_id=session.trust_id)
    return current


def register_mark_all_present(*, sessions, by_user, now: datetime | None = None) -> int:
    """ "All present" for the sessions not yet marked. Returns how many it marked."""
    count = 0
    for session in sessions:
        if RegisterMark.objects.filter(expected_session=session).exists():
            continue
        try:
            mark_record(
                session=session,
                status=RegisterMark.Status.PRESENT,
                by_user=by_user,
                expected_version=UNMARKED_VERSION,
                now=now,
            )
        except StaleMarkError:
            continue  # marked by someone else meanwhile: their mark stands
        count += 1
    return count


def school_code_set(*, mark: RegisterMark, code: str, by_user, now: datetime | None = None) -> RegisterMark:
    """The attendance officer's code for a session, within the guardrails of the 2024 regulations."""
    arrangement = placement_register_arrangement(placement=mark.expected_session.placement)
    try:
        codes.check_code(code=code, arrangement=arrangement.arrangement, supervised=arrangement.supervised)
    except codes.GuardrailError as error:
        raise DomainError(str(error), field="code") from None
    meaning = codes.BY_CODE[code]
    if mark.status in (RegisterMark.Status.PRESENT, RegisterMark.Status.LATE) and meaning.is_absence:
        raise DomainError(
            "The provider marked this pupil present: an absence code does not fit.", field="code"
        )
    if mark.status == RegisterMark.Status.ABSENT and meaning.counts_as_attending:
        raise DomainError(
            "The provider marked this pupil absent: an attendance code does not fit.", field="code"
        )
    mark.school_code = code
    mark.code_set_by = by_user
    mark.code_set_at = now or timezone.now()
    mark.save(update_fields=["school_code", "code_set_by", "code_set_at"])
    return mark


def follow_up_record(
    *,
    follow_up: AbsenceFollowUp,
    contacted_by: str,
    contacted_at: datetime,
    outcome: str,
    reason: str,
    code: str,
    by_user,
    now: datetime | None = None,
) -> AbsenceFollowUp:
    now = now or timezone.now()
    problems = {}
    if contacted_at > now:
        problems["contacted_at"] = "The contact can't be in the future."
    if contacted_at < follow_up.expected_session.starts_at - timedelta(days=1):
        problems["contacted_at"] = "The contact must be on or after the day of the absence."
    if outcome not in AbsenceFollowUp.Outcome.values:
        problems["outcome"] = "Choose what came of the contact."
    if not code:
        problems["code"] = "Choose the register code that fits what you learnt."
    elif codes.is_authorised_absence(code) and not (reason or "").strip():
        problems["reason"] = f"Code {code} authorises the absence: give the reason you were told."
    if problems:
        field, message = next(iter(problems.items()))
        raise DomainError(message, problems=list(problems.values()), field=field)
    with transaction.atomic():
        mark = RegisterMark.objects.select_for_update().get(expected_session=follow_up.expected_session)
        school_code_set(mark=mark, code=code, by_user=by_user, now=now)
        follow_up.contacted_by = contacted_by.strip()
        follow_up.contacted_at = contacted_at
        follow_up.outcome = outcome
        follow_up.reason = reason.strip()
        follow_up.code = code
        follow_up.recorded_by = by_user
        follow_up.closed_at = now
        follow_up.save()
    return follow_up


# --- The chase chain ----------------------------------------------------------------------------------------


def _is_vulnerable(pupil, arrangement: RegisterArrangement | None) -> bool:
    return pupil.is_vulnerable or (arrangement is not None and arrangement.tell_dsl_of_absence)


def _event(session: ExpectedSession, kind: str, now: datetime, detail: str = "") -> ChaseEvent:
    try:
        with transaction.atomic():
            return ChaseEvent.objects.create(
                trust_id=session.trust_id, expected_session=session, kind=kind, occurred_at=now, detail=detail
            )
    except IntegrityError:
        # Another run wrote it first (or the session was removed meanwhile): nothing more to do here.
        return ChaseEvent.objects.filter(expected_session=session, kind=kind).first()


def _events(rows: list[tuple[ExpectedSession, str, str]], now: datetime) -> int:
    """Chase steps for many sessions at once, each written once (the unique session and kind decide, so a
    concurrent run's are skipped): one statement however many. Returns how many were asked for."""
    if not rows:
        return 0
    events = [
        ChaseEvent(
            trust_id=session.trust_id, expected_session=session, kind=kind, occurred_at=now, detail=detail
        )
        for session, kind, detail in rows
    ]
    try:
        with transaction.atomic():
            ChaseEvent.objects.bulk_create(events, ignore_conflicts=True)
    except IntegrityError:
        # A session removed meanwhile (a closure): one at a time, so the others are still written.
        for session, kind, detail in rows:
            _event(session, kind, now, detail=detail)
    return len(rows)


def _follow_ups_open(absences: list[tuple[ExpectedSession, bool]], now: datetime) -> None:
    """A follow-up for each absence that has none, in one statement however many: the session is unique to its
    follow-up, so one already open (by hand, or by a concurrent run) is kept as it is."""
    if not absences:
        return
    follow_ups = [
        AbsenceFollowUp(
            trust_id=session.trust_id,
            expected_session=session,
            school_id=session.school_id,
            vulnerable=vulnerable,
            opened_at=now,
        )
        for session, vulnerable in absences
    ]
    try:
        with transaction.atomic():
            AbsenceFollowUp.objects.bulk_create(follow_ups, ignore_conflicts=True)
    except IntegrityError:
        # A session removed meanwhile (a closure): one at a time, so the others still open.
        for session, vulnerable in absences:
            try:
                with transaction.atomic():
                    AbsenceFollowUp.objects.get_or_create(
                        expected_session=session,
                        defaults={
                            "trust_id": session.trust_id,
                            "school_id": session.school_id,
                            "vulnerable": vulnerable,
                            "opened_at": now,
                        },
                    )
            except IntegrityError:
                pass


def chase_run(*, now: datetime | None = None) -> dict[str, int]:
    """One pass of the chase chain for the active trust. It decides from the database alone, so a missed
    run catches up, and every step is an event written once before its notifications (whose keys are
    unique), so two runs at once, or a run killed half-way, neither lose nor repeat a notification."""
    from attendance.chase import ChaseNotifier

    now = now or timezone.now()
    notifier = ChaseNotifier(now=now)
    policy = notifier.policy
    since = now - CHASE_LOOKBACK
    counts = {"mark_missing": 0, "unaccounted": 0, "absence": 0, "follow_up_overdue": 0, "consecutive": 0}

    # 1. No mark some minutes after the session started.
    deadline = now - timedelta(minutes=policy.register_mark_deadline_minutes)
    missing = (
        ExpectedSession.objects.unmarked()
        .filter(starts_at__lte=deadline, starts_at__gte=since, placement__status="active")
        .exclude(chase_events__kind=ChaseEvent.Kind.MARK_MISSING)
    )
    counts["mark_missing"] = _events(
        [
            (
                session,
                ChaseEvent.Kind.MARK_MISSING,
                "vulnerable"
                if _is_vulnerable(session.pupil, getattr(session.placement, "register", None))
                else "",
            )
            for session in missing.select_related("pupil", "placement__register")
        ],
        now,
    )

    # 1b. A vulnerable pupil still unmarked one more interval later: nobody knows where the child is. The head
    # and the DSL are told.
    unaccounted = (
        ExpectedSession.objects.unmarked()
        .filter(
            starts_at__lte=deadline - timedelta(minutes=policy.register_mark_deadline_minutes),
            starts_at__gte=since,
            placement__status="active",
            chase_events__kind=ChaseEvent.Kind.MARK_MISSING,
            chase_events__detail="vulnerable",
        )
        .exclude(chase_events__kind=ChaseEvent.Kind.UNACCOUNTED)
    )
    counts["unaccounted"] = _events(
        [(session, ChaseEvent.Kind.UNACCOUNTED, "") for session in unaccounted], now
    )

    # 2. Absences: the attendance contact at once, the DSL at once for vulnerable pupils; a follow-up opens.
    absent = ExpectedSession.objects.filter(
        mark__status=RegisterMark.Status.ABSENT, starts_at__gte=since
    ).exclude(chase_events__kind=ChaseEvent.Kind.ABSENCE)
    absences = [
        (session, _is_vulnerable(session.pupil, getattr(session.placement, "register", None)))
        for session in absent.select_related("pupil", "placement__register")
    ]
    _follow_ups_open(absences, now)
    counts["absence"] = _events(
        [
            (session, ChaseEvent.Kind.ABSENCE, "vulnerable" if vulnerable else "")
            for session, vulnerable in absences
        ],
        now,
    )

    # 3. Absences with no follow-up within the trust's window go to the DSL.
    window = timedelta(minutes=policy.absence_followup_window_minutes)
    overdue = (
        AbsenceFollowUp.objects.open()
        .filter(opened_at__lte=now - window, opened_at__gte=since)
        .exclude(expected_session__chase_events__kind=ChaseEvent.Kind.FOLLOW_UP_OVERDUE)
    )
    counts["follow_up_overdue"] = _events(
        [
            (follow_up.expected_session, ChaseEvent.Kind.FOLLOW_UP_OVERDUE, "")
            for follow_up in overdue.select_related("expected_session")
        ],
        now,
    )

    # 4. A run of consecutive absences: the head and the DSL, as a possible child missing education.
    counts["consecutive"] = _events(
        [
            (first_session, ChaseEvent.Kind.CONSECUTIVE, f"{length} sessions in a row")
            for first_session, length in _absence_runs(
                threshold=policy.consecutive_absence_sessions, since=since
            )
        ],
        now,
    )

    # Notifications follow from events not yet notified, whichever run wrote them.
    notifier.send_pending()
    return counts


def _absence_runs(*, threshold: int, since: datetime):
    """For each pupil with a recent absence: the first session of the current run of consecutive absences,
    if the run is at least ``threshold`` long. Sessions not yet marked (or the provider closed) do not break a
    run; a present or late mark does.

    Counted in the database: a pupil's run is their absences after their latest attended session (within the
    lookback), read through the (pupil, starts_at) index, so it is three queries however many sessions the trust
    has."""
    from placements.models import Pupil

    window_start = since - RUN_LOOKBACK
    recent = (
        ExpectedSession.objects.filter(mark__status=RegisterMark.Status.ABSENT, starts_at__gte=since)
        .order_by()
        .values("pupil_id")
    )
    in_window = ExpectedSession.objects.filter(pupil_id=OuterRef("pk"), starts_at__gte=window_start)
    last_attended = (
        in_window.filter(mark__status__in=[RegisterMark.Status.PRESENT, RegisterMark.Status.LATE])
        .order_by("-starts_at")
        .values("starts_at")[:1]
    )
    run = in_window.filter(mark__status=RegisterMark.Status.ABSENT, starts_at__gt=OuterRef("run_after"))
    runs = (
        Pupil.objects.filter(pk__in=recent)
        .annotate(
            run_after=Coalesce(Subquery(last_attended), Value(window_start - timedelta(microseconds=1)))
        )
        .annotate(
            length=Subquery(run.order_by().values("pupil_id").annotate(n=Count("pk")).values("n")[:1]),
            first_at=Subquery(run.order_by("starts_at").values("starts_at")[:1]),
        )
        .filter(length__gte=threshold)
        .values("pk", "length", "first_at")
    )
    lengths = {(row["pk"], row["first_at"]): row["length"] for row in runs}
    if not lengths:
        return []
    firsts = Q()
    for pupil_id, first_at in lengths:
        firsts |= Q(pupil_id=pupil_id, starts_at=first_at)
    first_sessions = (
        ExpectedSession.objects.filter(firsts, mark__status=RegisterMark.Status.ABSENT)
        .exclude(chase_events__kind=ChaseEvent.Kind.CONSECUTIVE)
        .order_by("pupil_id", "starts_at", "-pk")
    )
    # One session a run (two placements can share a start time); kept portable, the demo runs on SQLite.
    chosen = {}
    for session in first_sessions:
        chosen.setdefault((session.pupil_id, session.starts_at), session)
    return [(session, lengths[key]) for key, session in chosen.items()]


def closure_apply(*, day: date, school_id: int | None) -> int:
    """A school (or, with no school, every school of the trust) is closed on ``day``: its unmarked expected
    sessions of that day go, and with them any chase for them (chase events belong to the session). Marked
    sessions stay as history. The providers whose pupils were expected are told."""
    from trusts.recipients import Directory, alert

    sessions = ExpectedSession.objects.filter(date=day, mark__isnull=True)
    if school_id is not None:
        sessions = sessions.filter(school_id=school_id)
    affected = list(
        sessions.select_related("provider", "school", "trust").order_by("provider_id", "school_id")
    )
    if not affected:
        return 0
    by_provider = {}
    for session in affected:
        by_provider.setdefault((session.provider, session.school), 0)
        by_provider[(session.provider, session.school)] += 1
    with transaction.atomic():
        ExpectedSession.objects.filter(pk__in=[s.pk for s in affected], mark__isnull=True).delete()
    directory = Directory()
    for (provider, school), count in by_provider.items():
        alert(
            kind="calendar.closure",
            trust=affected[0].trust,
            key=f"closure:{school.pk}:{provider.pk}:{day.isoformat()}",
            subject=f"{school.name} is closed on {day:%A %d %B}: no register that day",
            body=(
                f"{school.name} is closed on {day:%A %d %B %Y}. The {count} session"
                f"{'s' if count != 1 else ''} expected at {provider} that day are cancelled; no register is "
                "needed and nobody will be chased for them."
            ),
            school=school,
            provider=provider,
            directory=directory,
        )
    return len(affected)


def closure_lifted(*, day: date, school_id: int | None) -> int:
    """A closure was taken back: lay out the day's sessions again for the running placements it covered."""
    from placements.models import Placement

    placements = (
        Placement.objects.filter(status="active").select_related("school").prefetch_related("sessions")
    )
    if school_id is not None:
        placements = placements.filter(school_id=school_id)
    calendars, total = {}, 0
    for placement in placements:
        calendar = calendars.setdefault(placement.school_id, SchoolCalendar(placement.school))
        total += expected_sessions_generate(
            placement=placement, start=day, end=day + timedelta(days=1), calendar=calendar
        )
    return total
