"""A placement "causing concern" and the provider's weekly behaviour and attitude update while it is.

Policy: the provider contacts the named person in school at once about a pupil whose behaviour or progress is
causing concern, and provides a weekly update of behaviour and attitude while there are concerns. The school
(the AP lead or the head) marks a placement as causing concern, or the provider's staff raise it from their
own account (the school is told at once); only the school clears it, with a note.

The weeks are school weeks: Monday to Sunday, counted only where the school's calendar (terms, half-terms,
bank holidays, closures) has a school day in them. The first week asked for is the one of the first school
day after the concern was raised; each week's update is due by its last school day. The cadence reconciler
(``behaviour_reconcile``, from ``placements.cadence``) asks for each week's update once and chases it once
when overdue (the AP lead told too); each alert is keyed, so two runs at once send it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from placements.attendance_source import placement_attendance
from placements.common import lock_placement, placement_url, require_school_side_of
from placements.models import BehaviourConcern, BehaviourIncident, BehaviourUpdate, Placement
from trusts.calendar import CalendarError, SchoolCalendar, calendars_for
from trusts.errors import DomainError
from trusts.permissions import require
from trusts.recipients import Directory, alert

# A week's update is chased once, within this many days of falling due; older ones were chased at the time.
CHASE_WINDOW_DAYS = 14
# The weeks an update can be written for: the most recent owed ones.
WEEKS_OFFERED = 3


@dataclass(frozen=True)
class SchoolWeek:
    monday: date
    first: date  # its first school day
    last: date  # its last school day: the update is due by then

    @property
    def label(self) -> str:
        return f"Week beginning {self.monday:%A %d %B %Y}"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def school_week(calendar: SchoolCalendar, monday: date) -> SchoolWeek | None:
    days = calendar.school_days(monday, monday + timedelta(days=7))
    return SchoolWeek(monday, days[0], days[-1]) if days else None


def first_week_monday(concern: BehaviourConcern, calendar: SchoolCalendar) -> date | None:
    """The Monday of the week of the first school day after the concern was raised."""
    raised_on = timezone.localdate(concern.raised_at)
    try:
        return monday_of(calendar.add(raised_on, 1))
    except CalendarError:  # no calendar that far ahead: nothing to ask for yet
        return None


def asked_weeks(concern: BehaviourConcern, calendar: SchoolCalendar, *, today: date) -> list[SchoolWeek]:
    """The school weeks of the concern whose first school day has come, oldest first (up to ``today``, or
    the day it was cleared)."""
    start = first_week_monday(concern, calendar)
    if start is None:
        return []
    end = today
    if concern.cleared_at is not None:
        end = min(end, timezone.localdate(concern.cleared_at))
    weeks = []
    monday = start
    while monday <= end:
        week = school_week(calendar, monday)
        if week is not None and week.first <= end:
            weeks.append(week)
        monday += timedelta(days=7)
    return weeks


def open_concern(placement) -> BehaviourConcern | None:
    return BehaviourConcern.objects.filter(placement=placement, cleared_at__isnull=True).first()


def owed_weeks(placement, *, today: date, calendar: SchoolCalendar | None = None) -> list[SchoolWeek]:
    """The weeks an update can be written for now: the open concern's asked weeks without one, the most
    recent ``WEEKS_OFFERED``, oldest first."""
    concern = open_concern(placement)
    if concern is None:
        return []
    calendar = calendar or SchoolCalendar(placement.school)
    written = set(concern.updates.values_list("week_starting", flat=True))
    weeks = [w for w in asked_weeks(concern, calendar, today=today) if w.monday not in written]
    return weeks[-WEEKS_OFFERED:]


# --- Marking and clearing -------------------------------------------------------------------------------


def causing_concern_mark(*, by, placement, reason: str) -> BehaviourConcern:
    """The school marks the placement as causing concern, or the provider's staff raise it; either way both
    sides are told at once, and the weekly update is asked for from the next school day."""
    require(
        by, "causing_concern.mark", "Your role does not allow you to mark a placement as causing concern."
    )
    if by.provider_id is not None:
        if by.provider_id != placement.provider_id:
            raise DomainError("This placement is at another provider.")
        side = BehaviourConcern.Side.PROVIDER
    else:
        require_school_side_of(by, placement, "causing_concern.mark")
        side = BehaviourConcern.Side.SCHOOL
    if not (reason or "").strip():
        raise DomainError("Say why the placement is causing concern.", field="reason")
    with transaction.atomic():
        placement = lock_placement(placement)
        if placement.status not in Placement.COMMITTED_STATUSES:
            raise DomainError("Only an agreed or active placement can be marked as causing concern.")
        current = open_concern(placement)
        if current is not None:
            raise DomainError(
                f"This placement has been causing concern since "
                f"{timezone.localtime(current.raised_at):%d %B %Y}: it is already marked."
            )
        concern = BehaviourConcern.objects.create(
            trust_id=placement.trust_id,
            placement=placement,
            raised_by_side=side,
            raised_by=by.user,
            raised_at=timezone.now(),
            reason=reason.strip(),
        )
        who = "The provider" if side == BehaviourConcern.Side.PROVIDER else "The school"
        alert(
            kind="placements.causing_concern",
            trust=placement.trust,
            key=f"causing-concern:{concern.pk}",
            subject=f"Causing concern: {placement.pupil.initials} at {placement.provider}",
            body=(
                f"{who} marked the placement as causing concern: {concern.reason}\n"
                "The provider is asked for a behaviour and attitude update each week until the school clears it."
            ),
            url=placement_url(placement),
            school=placement.school,
            provider=placement.provider,
            urgent=True,
        )
    return concern


def causing_concern_clear(*, by, placement, note: str) -> BehaviourConcern:
    """The school clears the concern, with a note; the weekly asks stop."""
    require_school_side_of(by, placement, "causing_concern.clear")
    if not (note or "").strip():
        raise DomainError("Add a note: why the placement is no longer causing concern.", field="note")
    with transaction.atomic():
        placement = lock_placement(placement)
        concern = (
            BehaviourConcern.objects.select_for_update()
            .filter(placement=placement, cleared_at__isnull=True)
            .first()
        )
        if concern is None:
            raise DomainError("This placement is not causing concern: there is nothing to clear.")
        concern.cleared_at = timezone.now()
        concern.cleared_by = by.user
        concern.cleared_note = note.strip()
        concern.save(update_fields=["cleared_at", "cleared_by", "cleared_note"])
        alert(
            kind="placements.causing_concern_cleared",
            trust=placement.trust,
            key=f"causing-concern-cleared:{concern.pk}",
            subject=f"No longer causing concern: {placement.pupil.initials} at {placement.provider}",
            body=f"The school cleared the concern: {concern.cleared_note}\nNo more weekly updates are asked for.",
            url=placement_url(placement),
            school=placement.school,
            provider=placement.provider,
        )
    return concern


# --- The weekly update -------------------------------------------------------------------------------


def week_incidents(placement, week_monday: date) -> list[BehaviourIncident]:
    return list(
        BehaviourIncident.objects.filter(
            placement=placement,
            occurred_at__date__gte=week_monday,
            occurred_at__date__lt=week_monday + timedelta(days=7),
        ).order_by("occurred_at", "pk")
    )


def behaviour_update_record(
    *, by, placement, week_starting: date, behaviour: str, attitude: str, next_steps: str = ""
) -> BehaviourUpdate:
    """The provider's staff write the week's update from their own account. Attendance is counted from the
    registers for the week's school days so far; the week's incidents are listed as they stand."""
    require(by, "behaviour_update.write", "Only the provider's staff write the weekly behaviour update.")
    if by.provider_id != placement.provider_id:
        raise DomainError("This placement is at another provider.")
    today = timezone.localdate()
    calendar = SchoolCalendar(placement.school)
    weeks = {w.monday: w for w in owed_weeks(placement, today=today, calendar=calendar)}
    concern = open_concern(placement)
    if concern is None:
        raise DomainError("This placement is not causing concern: no weekly update is asked for.")
    problems = []
    if not (behaviour or "").strip():
        problems.append("Describe the pupil's behaviour this week.")
    if not (attitude or "").strip():
        problems.append("Describe the pupil's attitude to learning this week.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    week = weeks.get(week_starting)
    if week is None:
        if concern.updates.filter(week_starting=week_starting).exists():
            raise DomainError(
                f"The update for the week beginning {week_starting:%d %B %Y} has been written already.",
                field="week_starting",
            )
        raise DomainError("Choose one of the weeks an update is asked for.", field="week_starting")
    counted = placement_attendance(placement, start=week.first, end=min(week.last, today))
    incidents = [
        {
            "occurred_at": timezone.localtime(i.occurred_at).isoformat(),
            "description": i.description[:300],
            "action_taken": i.action_taken[:300],
        }
        for i in week_incidents(placement, week.monday)
    ]
    try:
        with transaction.atomic():
            update = BehaviourUpdate.objects.create(
                trust_id=placement.trust_id,
                placement=placement,
                concern=concern,
                week_starting=week.monday,
                sessions_possible=counted.possible if counted else None,
                sessions_attended=counted.attended if counted else None,
                incidents=incidents,
                behaviour=behaviour.strip(),
                attitude=attitude.strip(),
                next_steps=(next_steps or "").strip(),
                written_by=by.user,
            )
    except IntegrityError:
        raise DomainError(
            f"The update for the week beginning {week.monday:%d %B %Y} has been written already.",
            field="week_starting",
        ) from None
    alert(
        kind="placements.behaviour_update_written",
        trust=placement.trust,
        key=f"behaviour-update:{update.pk}",
        subject=f"Weekly behaviour update: {placement.pupil.initials} at {placement.provider}",
        body=f"The provider wrote the behaviour and attitude update for the week beginning {week.monday:%d %B %Y}.",
        url=placement_url(placement),
        school=placement.school,
    )
    return update


# --- The reconciler ------------------------------------------------------------------------------------


def behaviour_reconcile(*, today: date, directory: Directory | None = None) -> dict:
    """For each open concern on a running placement: ask for this week's update once (from its first school
    day) and chase the update of a week whose last school day has passed once (the AP lead told as well)."""
    directory = directory or Directory()
    counts = {"behaviour_updates_due": 0, "behaviour_updates_overdue": 0}
    concerns = list(
        BehaviourConcern.objects.filter(cleared_at__isnull=True, placement__status=Placement.Status.ACTIVE)
        .select_related("trust", "placement__school", "placement__provider", "placement__pupil")
        .order_by("pk")
    )
    if not concerns:
        return counts
    written = set(
        BehaviourUpdate.objects.filter(concern__in=concerns).values_list("concern_id", "week_starting")
    )
    calendars = calendars_for({c.placement.school for c in concerns})
    for concern in concerns:
        placement = concern.placement
        for week in asked_weeks(concern, calendars[placement.school_id], today=today):
            if (concern.pk, week.monday) in written:
                continue
            overdue = today > week.last
            if overdue and today > week.last + timedelta(days=CHASE_WINDOW_DAYS):
                continue
            sent = alert(
                kind="placements.behaviour_update_overdue" if overdue else "placements.behaviour_update_due",
                trust=concern.trust,
                key=(
                    f"{'behaviour-update-overdue' if overdue else 'behaviour-update-due'}:"
                    f"{concern.pk}:{week.monday.isoformat()}"
                ),
                subject=(
                    f"{'Overdue' if overdue else 'Due'}: weekly behaviour update for {placement.pupil.initials} "
                    f"at {placement.provider}"
                ),
                body=(
                    f"The placement is causing concern: the behaviour and attitude update for the week beginning "
                    f"{week.monday:%d %B %Y} {'was due by' if overdue else 'is due by'} {week.last:%A %d %B %Y}. "
                    "Attendance and the week's incidents are filled in for you."
                ),
                url=placement_url(placement),
                school=placement.school,
                provider=placement.provider,
                urgent=overdue,
                directory=directory,
            )
            counts["behaviour_updates_overdue" if overdue else "behaviour_updates_due"] += bool(sent)
    return counts
