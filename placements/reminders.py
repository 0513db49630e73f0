"""The reminder jobs: reviews due or overdue, unsigned SLAs before the start, part-time timetables past their
review date. Each decides from the database and tells each person once, so a re-run is harmless."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Max, Prefetch
from django.utils import timezone

from placements import rules
from placements.agreements.sla import sla_is_current
from placements.common import placement_url
from placements.models import Placement, SLAVersion
from placements.selectors import outstanding_reviews
from trusts.models import TrustPolicy
from trusts.recipients import Subject, alert_each


def reviews_remind(*, today=None) -> int:
    """Reviews coming due within the trust's warning window, and reviews overdue: each told once."""
    today = today or timezone.localdate()
    subjects, trust = [], None
    reviews = outstanding_reviews().select_related("placement__trust__policy").order_by("pk")
    # Only those within the longest warning window: a large trust has thousands of reviews months ahead.
    horizon = TrustPolicy.objects.aggregate(days=Max("review_due_warning_days"))["days"]
    if horizon is not None:
        reviews = reviews.filter(scheduled_for__lte=today + timedelta(days=horizon))
    for review in reviews:
        placement = review.placement
        trust = placement.trust
        warning = trust.policy.review_due_warning_days
        if review.scheduled_for < today:
            key, subject = f"review-overdue:{review.pk}", "Review overdue"
        elif review.scheduled_for <= today + timedelta(days=warning):
            key, subject = f"review-due:{review.pk}", "Review coming up"
        else:
            continue
        subjects.append(
            Subject(
                key=key,
                subject=f"{subject}: {placement.pupil.initials} at {placement.provider}",
                body=f"The {review.get_kind_display().lower()} is due on {review.scheduled_for:%A %d %B %Y}.",
                url=placement_url(placement),
                school=placement.school,
                urgent=review.scheduled_for < today,
            )
        )
    if not subjects:
        return 0
    return alert_each(kind="placements.review", trust=trust, subjects=subjects)


def sla_unsigned_remind(*, today=None) -> int:
    """Placements starting within the trust's warning window whose SLA is not signed by both sides."""
    today = today or timezone.localdate()
    subjects, trust = [], None
    placements = (
        Placement.objects.filter(
            status__in=[Placement.Status.DRAFT, Placement.Status.PROPOSED], start_date__gte=today
        )
        .select_related("school", "provider", "pupil", "trust__policy")
        .prefetch_related(
            # Each placement's versions, newest first (the first is latest_sla's), in one query for them all.
            Prefetch(
                "sla_versions",
                queryset=SLAVersion.objects.defer("pdf", "signed_pdf").order_by("-number"),
                to_attr="versions_newest_first",
            )
        )
        .order_by("pk")
    )
    for placement in placements:
        trust = placement.trust
        if placement.start_date > today + timedelta(days=trust.policy.sla_unsigned_warning_days):
            continue
        version = placement.versions_newest_first[0] if placement.versions_newest_first else None
        if version is not None and version.fully_signed and sla_is_current(version, placement):
            continue
        subjects.append(
            Subject(
                key=f"sla-unsigned:{placement.pk}:{placement.start_date.isoformat()}",
                subject=f"SLA not signed: {placement.pupil.initials} starts at {placement.provider} soon",
                body=f"The placement starts on {placement.start_date:%A %d %B %Y} and its SLA is not signed by both sides.",
                url=placement_url(placement),
                school=placement.school,
            )
        )
    if not subjects:
        return 0
    return alert_each(kind="placements.sla_unsigned", trust=trust, subjects=subjects)


def part_time_reviews_remind(*, today=None) -> int:
    """Active part-time timetables whose review date has passed."""
    today = today or timezone.localdate()
    subjects, trust = [], None
    placements = (
        Placement.objects.filter(status=Placement.Status.ACTIVE, part_time_review_date__lt=today)
        .select_related("school", "provider", "pupil", "trust__policy")
        .with_hours()
        .order_by("pk")
    )
    for placement in placements:
        trust = placement.trust
        if rules.is_full_time(Decimal(placement.weekly_hours or 0), trust.policy):
            continue
        subjects.append(
            Subject(
                key=f"part-time-review:{placement.pk}:{placement.part_time_review_date.isoformat()}",
                subject=f"Part-time timetable past its review date: {placement.pupil.initials}",
                body=(
                    f"The part-time timetable at {placement.provider} was due for review on "
                    f"{placement.part_time_review_date:%d %B %Y}. Review it and record a new date or a full-time timetable."
                ),
                url=placement_url(placement),
                school=placement.school,
            )
        )
    if not subjects:
        return 0
    return alert_each(kind="placements.part_time_review", trust=trust, subjects=subjects)
