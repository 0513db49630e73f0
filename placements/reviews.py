"""After agreement: reviews, the provider's progress reports, behaviour incidents with the emergency review,
and the end of a placement with its outcome."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from placements import rules
from placements.attendance_source import placement_attendance
from placements.cadence import next_parent_review, next_scheduled_review
from placements.common import full_clean, lock_placement, placement_url, require_school_side_of
from placements.models import (
    BehaviourIncident,
    Outcome,
    Placement,
    Plan,
    ProviderReport,
    Review,
    TargetOutcome,
    TargetProgress,
)
from trusts.calendar import CalendarError, SchoolCalendar
from trusts.errors import DomainError
from trusts.permissions import require
from trusts.recipients import alert

# An emergency review is held within this many school days of being called.
EMERGENCY_REVIEW_SCHOOL_DAYS = 3


def review_schedule(*, by, placement, scheduled_for, kind=Review.Kind.SCHEDULED) -> Review:
    require_school_side_of(by, placement, "review.manage")
    if placement.status not in Placement.COMMITTED_STATUSES:
        raise DomainError("Reviews are scheduled for agreed or active placements.")
    if scheduled_for < placement.start_date:
        raise DomainError("A review cannot come before the placement starts.", field="scheduled_for")
    return Review.objects.create(
        trust_id=placement.trust_id, placement=placement, kind=kind, scheduled_for=scheduled_for
    )


def review_record(*, by, review, held_on, progress: list[dict], next_review_date=None, **fields) -> Review:
    """Record a held review: attendance, behaviour, safeguarding, progress on each target, the voices of the
    pupil and parents, actions and the next date (which schedules the next review)."""
    review = Review.objects.select_related("placement").get(pk=review.pk)
    placement = review.placement
    require_school_side_of(by, placement, "review.manage")
    problems = []
    if review.held_on is not None:
        raise DomainError("This review has been recorded already.")
    if held_on > timezone.localdate():
        problems.append("The review date is in the future: record it once it has been held.")
    if held_on < placement.start_date:
        problems.append("The review cannot be held before the placement starts.")
    if next_review_date and next_review_date <= held_on:
        problems.append("The next review must come after this one.")
    plan = Plan.objects.filter(placement=placement).first()
    targets = list(plan.targets.all()) if plan else []
    given = {p["target"].pk: p for p in progress}
    for target in targets:
        if target.pk not in given or not given[target.pk].get("rating"):
            problems.append(f"Rate the progress on the target “{target.objective}”.")
    pct = fields.get("attendance_percent")
    if pct is not None and not (Decimal(0) <= Decimal(pct) <= Decimal(100)):
        problems.append("Attendance is a percentage from 0 to 100.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    if fields.get("attendance_percent") is None:
        # Attendance comes from the registers, from the start of the placement to the day of the review.
        counted = placement_attendance(placement, start=placement.start_date, end=held_on)
        if counted is not None and counted.percent is not None:
            fields["attendance_percent"] = counted.percent
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.held_on is not None:
            raise DomainError("This review has been recorded already.")
        for name, value in fields.items():
            setattr(review, name, value)
        review.held_on = held_on
        review.next_review_date = next_review_date
        review.recorded_by = by.user
        review.save()
        for target in targets:
            p = given[target.pk]
            TargetProgress.objects.create(
                trust_id=review.trust_id,
                review=review,
                target=target,
                rating=p["rating"],
                comment=p.get("comment", ""),
            )
        committed = placement.status in Placement.COMMITTED_STATUSES
        if (
            next_review_date
            and committed
            and not placement.reviews.filter(held_on__isnull=True, scheduled_for=next_review_date).exists()
        ):
            Review.objects.create(
                trust_id=placement.trust_id,
                placement=placement,
                kind=Review.Kind.SCHEDULED,
                scheduled_for=next_review_date,
            )
        elif committed and review.kind == Review.Kind.PARENT:
            next_parent_review(placement, after=held_on)
        elif committed:
            # Held, with no date given: the next half-termly review follows the trust's interval.
            next_scheduled_review(placement, after=held_on)
    return review


def _provider_or_school(by, placement, action: str):
    """The placement's provider's staff, or its school's staff, holding ``action``."""
    require(by, action)
    if by.provider_id is not None:
        if by.provider_id != placement.provider_id:
            raise DomainError("This placement is at another provider.")
    else:
        require_school_side_of(by, placement, action)
    if placement.status not in Placement.COMMITTED_STATUSES:
        raise DomainError("Reports and incidents are recorded for agreed or active placements.")


def provider_report_period_start(placement, period_ending):
    """The first day a report to ``period_ending`` covers: the day after the previous report, else the start
    of the half-term it ends, but never before the placement started."""
    from trusts.models import Term

    previous = (
        ProviderReport.objects.filter(placement=placement, period_ending__lt=period_ending)
        .order_by("-period_ending")
        .values_list("period_ending", flat=True)
        .first()
    )
    if previous is not None:
        return previous + timedelta(days=1)
    half_terms = rules.half_terms(Term.objects.filter(trust_id=placement.trust_id))
    first = next((a for a, b in half_terms if a <= period_ending <= b), placement.start_date)
    return max(first, placement.start_date)


def provider_report_record(
    *, by, placement, period_ending, progress, attendance="", behaviour="", wellbeing="", next_steps=""
) -> ProviderReport:
    """The provider's half-termly progress report. Its attendance is counted from the registers for the
    period it covers; ``attendance`` is the writer's comment on it."""
    _provider_or_school(by, placement, "provider_report.write")
    if period_ending < placement.start_date:
        raise DomainError("The report covers a period before the placement started.", field="period_ending")
    if not (progress or "").strip():
        raise DomainError("Describe the progress against the targets.", field="progress")
    counted = placement_attendance(
        placement, start=provider_report_period_start(placement, period_ending), end=period_ending
    )
    return ProviderReport.objects.create(
        trust_id=placement.trust_id,
        placement=placement,
        period_ending=period_ending,
        sessions_possible=counted.possible if counted else None,
        sessions_attended=counted.attended if counted else None,
        attendance=attendance,
        progress=progress,
        behaviour=behaviour,
        wellbeing=wellbeing,
        next_steps=next_steps,
        written_by=by.user,
    )


def incident_record(
    *, by, placement, occurred_at, category, description, action_taken="", parent_informed=False
) -> BehaviourIncident:
    """Record a behaviour incident and tell the school at once (the AP lead and the DSL). Each run of the
    trust's number of incidents within its window calls an emergency review (see
    ``emergency_review_call_if_due``)."""
    _provider_or_school(by, placement, "incident.report")
    if occurred_at > timezone.now() + timedelta(minutes=5):
        raise DomainError("The incident cannot be in the future.", field="occurred_at")
    if (
        category not in BehaviourIncident.Category.values
        or category == BehaviourIncident.Category.NOT_RECORDED
    ):
        raise DomainError("Choose the kind of incident.", field="category")
    if not description.strip():
        raise DomainError("Describe what happened.", field="description")
    with transaction.atomic():
        incident = BehaviourIncident.objects.create(
            trust_id=placement.trust_id,
            placement=placement,
            occurred_at=occurred_at,
            category=category,
            description=description,
            action_taken=action_taken,
            parent_informed=parent_informed,
            reported_by=by.user,
        )
        pupil = placement.pupil
        alert(
            kind="placements.incident",
            trust=placement.trust,
            key=f"incident:{incident.pk}",
            subject=f"Behaviour incident ({incident.get_category_display().lower()}): {pupil.initials} at "
            f"{placement.provider}",
            body=(
                f"{placement.provider} reported a behaviour incident involving {pupil.initials} on "
                f"{timezone.localtime(occurred_at):%d %b at %H:%M}. Read it, and if it raises a safeguarding "
                "concern, the DSL can record it as one from the placement page."
                if by.provider_id
                else f"A behaviour incident involving {pupil.initials} at {placement.provider} on "
                f"{timezone.localtime(occurred_at):%d %b at %H:%M} was recorded by the school."
            ),
            url=placement_url(placement),
            school=placement.school,
        )
        emergency_review_call_if_due(placement=placement)
    return incident


def incidents_in_run(placement, *, policy):
    """The incidents that count towards the next emergency review: not yet counted in one, and within the
    trust's window."""
    return placement.incidents.filter(
        emergency_review__isnull=True,
        occurred_at__gte=timezone.now() - timedelta(days=policy.emergency_review_window_days),
    )


def emergency_review_call_if_due(*, placement) -> Review | None:
    """Call an emergency review when the trust's number of incidents not yet counted in one has been reached
    within its window: the third, then the sixth, and so on, each run once."""
    policy = placement.trust.policy
    with transaction.atomic():
        # The placement's row is the lock: two incidents reported at once cannot both call a review.
        lock_placement(placement)
        run = list(incidents_in_run(placement, policy=policy).values_list("pk", flat=True))
        if len(run) < policy.emergency_review_incident_count:
            return None
        now = timezone.now()
        Placement.objects.filter(pk=placement.pk).update(emergency_review_called_at=now)
        review = _emergency_review_schedule(placement)
        BehaviourIncident.objects.filter(pk__in=run).update(emergency_review=review)
    alert(
        kind="placements.emergency_review",
        trust=placement.trust,
        key=f"emergency-review:{placement.pk}:{review.pk}",
        subject=f"Emergency review called: {placement.pupil.initials} at {placement.provider}",
        body=(
            f"{len(run)} behaviour incidents have been reported in this placement within "
            f"{policy.emergency_review_window_days} days. An emergency review is scheduled for "
            f"{review.scheduled_for:%A %d %B %Y}."
        ),
        url=placement_url(placement),
        school=placement.school,
    )
    return review


def _emergency_review_schedule(placement) -> Review:
    today = timezone.localdate()
    try:
        when = SchoolCalendar(placement.school).add(today, EMERGENCY_REVIEW_SCHOOL_DAYS)
    except CalendarError:
        when = today + timedelta(days=EMERGENCY_REVIEW_SCHOOL_DAYS)
    return Review.objects.create(
        trust_id=placement.trust_id, placement=placement, kind=Review.Kind.EMERGENCY, scheduled_for=when
    )


def placement_end(
    *, by, placement, ended_on, ended_outcome, ended_reason="", outcome: dict, target_outcomes: list[dict]
) -> Outcome:
    """End an active placement with its outcome: a result for every target, the destination and the rest."""
    require_school_side_of(by, placement, "placement.edit")
    with transaction.atomic():
        placement = lock_placement(placement)
        problems = []
        if placement.status not in (Placement.Status.ACTIVE, Placement.Status.AGREED):
            raise DomainError("Only an agreed or active placement can end.")
        if ended_on < placement.start_date:
            problems.append("The placement cannot end before it started.")
        if ended_on > timezone.localdate():
            problems.append("The end date is in the future: end the placement on or after its last day.")
        if ended_outcome not in Placement.EndedOutcome.values:
            problems.append("Say whether the placement was completed or ended early.")
        if ended_outcome == Placement.EndedOutcome.ENDED_EARLY and not ended_reason.strip():
            problems.append("Say why the placement ended early.")
        plan = Plan.objects.filter(placement=placement).first()
        targets = list(plan.targets.all()) if plan else []
        given = {t["target"].pk: t for t in target_outcomes}
        for target in targets:
            if target.pk not in given or not given[target.pk].get("result"):
                problems.append(f"Give the outcome of the target “{target.objective}”.")
        if not outcome.get("destination"):
            problems.append("Record the pupil's destination.")
        if problems:
            raise DomainError(problems[0], problems=problems)
        placement.status = Placement.Status.ENDED
        placement.ended_on = ended_on
        placement.ended_outcome = ended_outcome
        placement.ended_reason = ended_reason
        placement.save(update_fields=["status", "ended_on", "ended_outcome", "ended_reason", "updated_at"])
        if outcome.get("attendance_percent") is None:
            # Attendance over the whole placement, from the registers.
            counted = placement_attendance(placement, start=placement.start_date, end=ended_on)
            if counted is not None and counted.percent is not None:
                outcome = {**outcome, "attendance_percent": counted.percent}
        result = Outcome(trust_id=placement.trust_id, placement=placement, recorded_by=by.user, **outcome)
        full_clean(result, exclude=["placement", "recorded_by"])
        result.save()
        for target in targets:
            t = given[target.pk]
            TargetOutcome.objects.create(
                trust_id=placement.trust_id,
                outcome=result,
                target=target,
                result=t["result"],
                comment=t.get("comment", ""),
            )
    return result
