"""A cadence that runs itself: the half-termly review, the termly review with parents and the provider's
half-termly progress report, scheduled from the trust's policy and the calendar, and chased.

A review is scheduled at agreement and the next one whenever one is held; the reconciler (``cadence_reconcile``,
run by a job) puts back any that is missing and asks for each progress report once when it falls due and once
more when it is overdue. Everything is decided from the database, so a re-run sends nothing twice.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Prefetch
from django.utils import timezone

from placements import rules
from placements.behaviour import behaviour_reconcile
from placements.common import placement_url
from placements.models import Placement, ProviderReport, Review
from trusts.models import Term
from trusts.recipients import Directory, alert


def _terms(trust_id):
    return list(Term.objects.filter(trust_id=trust_id).order_by("start_date"))


def next_scheduled_review(placement, *, after=None) -> Review | None:
    """Schedule the next half-termly review ``review_interval_weeks`` after ``after`` (the start, at
    agreement), unless one is already waiting."""
    if placement.reviews.filter(kind=Review.Kind.SCHEDULED, held_on__isnull=True).exists():
        return None
    after = after or placement.start_date
    return Review.objects.create(
        trust_id=placement.trust_id,
        placement=placement,
        kind=Review.Kind.SCHEDULED,
        scheduled_for=rules.next_review_date(after=after, policy=placement.trust.policy),
    )


def next_parent_review(placement, *, after=None, terms=None) -> Review | None:
    """Schedule the termly review with parents and carers, where the trust's policy holds them, unless one
    is already waiting."""
    if not placement.trust.policy.parent_review_termly:
        return None
    if placement.reviews.filter(kind=Review.Kind.PARENT, held_on__isnull=True).exists():
        return None
    after = after or placement.start_date
    when = rules.parent_review_date(_terms(placement.trust_id) if terms is None else terms, after=after)
    if when is None or (placement.planned_end_date and when > placement.planned_end_date):
        return None
    return Review.objects.create(
        trust_id=placement.trust_id, placement=placement, kind=Review.Kind.PARENT, scheduled_for=when
    )


def reviews_schedule_at_agreement(placement) -> None:
    next_scheduled_review(placement)
    next_parent_review(placement, after=placement.start_date - timedelta(days=1))


def cadence_reconcile(*, today=None) -> dict:
    """For every agreed or active placement: a half-termly review and (by policy) a termly parent review are
    waiting; the provider is asked for each half-termly report when due and chased once when overdue, and,
    while the placement is causing concern, for each weekly behaviour update (``placements.behaviour``)."""

    today = today or timezone.localdate()
    directory = Directory()
    counts = {
        "reviews": 0,
        "parent_reviews": 0,
        "reports_due": 0,
        "reports_overdue": 0,
        "assessments_due": 0,
        "assessments_overdue": 0,
    }
    placements = (
        Placement.objects.filter(status__in=Placement.COMMITTED_STATUSES)
        .select_related("trust__policy", "school", "provider", "pupil")
        .prefetch_related(
            Prefetch("reviews", queryset=Review.objects.order_by("scheduled_for", "pk")),
            Prefetch(
                "provider_reports",
                queryset=ProviderReport.objects.only("pk", "placement_id", "period_ending"),
            ),
        )
        .order_by("pk")
    )
    terms_by_trust = {}
    counts["referral_forms_overdue"] = _referral_forms_chase(today, directory)
    counts.update(behaviour_reconcile(today=today, directory=directory))
    for placement in placements:
        terms = terms_by_trust.setdefault(placement.trust_id, _terms(placement.trust_id))
        reviews = list(placement.reviews.all())
        if not any(r.kind == Review.Kind.SCHEDULED and r.held_on is None for r in reviews):
            held = [r.held_on for r in reviews if r.kind == Review.Kind.SCHEDULED and r.held_on]
            counts["reviews"] += bool(next_scheduled_review(placement, after=max(held, default=None)))
        if not any(r.kind == Review.Kind.PARENT and r.held_on is None for r in reviews):
            held = [r.held_on for r in reviews if r.kind == Review.Kind.PARENT and r.held_on]
            after = max(held, default=placement.start_date - timedelta(days=1))
            counts["parent_reviews"] += bool(next_parent_review(placement, after=after, terms=terms))
        if placement.status != Placement.Status.ACTIVE:
            continue
        if placement.initial_assessment_on is None and today >= placement.start_date:
            due_by = placement.start_date + timedelta(days=rules.INITIAL_ASSESSMENT_DAYS)
            overdue = today > due_by
            sent = alert(
                kind="placements.initial_assessment_overdue"
                if overdue
                else "placements.initial_assessment_due",
                trust=placement.trust,
                key=f"initial-assessment-{'overdue' if overdue else 'due'}:{placement.pk}",
                subject=(
                    f"Initial assessment {'overdue' if overdue else 'due'}: {placement.pupil.initials} at "
                    f"{placement.provider}"
                ),
                body=f"The provider's initial assessment of the pupil is due by {due_by:%A %d %B %Y}.",
                url=placement_url(placement),
                school=placement.school,
                provider=placement.provider,
                urgent=overdue,
                directory=directory,
            )
            counts["assessments_overdue" if overdue else "assessments_due"] += bool(sent)
        reports = [r.period_ending for r in placement.provider_reports.all()]
        overdue_days = placement.trust.policy.provider_report_overdue_days
        for first, last in rules.provider_report_due_periods(
            terms, start=placement.start_date, end=placement.planned_end_date, today=today
        ):
            if last < today - timedelta(days=70):
                continue  # older half-terms were chased at the time
            if any(first <= p <= last + timedelta(days=overdue_days) for p in reports):
                continue
            overdue = today > last + timedelta(days=overdue_days)
            kind = "placements.provider_report_overdue" if overdue else "placements.provider_report_due"
            sent = alert(
                kind=kind,
                trust=placement.trust,
                key=f"{'provider-report-overdue' if overdue else 'provider-report-due'}:{placement.pk}:{last.isoformat()}",
                subject=(
                    f"{'Overdue' if overdue else 'Due'}: half-termly progress report for "
                    f"{placement.pupil.initials} at {placement.provider}"
                ),
                body=(
                    f"The progress report for the half-term ending {last:%A %d %B %Y} "
                    f"{'was due by' if overdue else 'is due by'} {last + timedelta(days=overdue_days):%d %B %Y}. "
                    "Attendance is filled in from the registers."
                ),
                url=placement_url(placement),
                school=placement.school,
                provider=placement.provider,
                urgent=overdue,
                directory=directory,
            )
            counts["reports_overdue" if overdue else "reports_due"] += bool(sent)
    return counts


def _referral_forms_chase(today, directory) -> int:
    """Part A not done a week after the referral (drafts and proposals); Part B not done by the first review
    (agreed and running placements): the AP lead is told once each."""
    from placements.agreements.referral_form import PART_A_DAYS

    sent = 0
    open_ = (
        Placement.objects.filter(status__in=[Placement.Status.DRAFT, Placement.Status.PROPOSED])
        .filter(created_at__date__lt=today - timedelta(days=PART_A_DAYS))
        .exclude(referral_form__part_a_completed_at__isnull=False)
        .select_related("trust", "school", "provider", "pupil")
        .order_by("pk")
    )
    for placement in open_:
        sent += bool(
            alert(
                kind="placements.referral_form_overdue",
                trust=placement.trust,
                key=f"referral-part-a-overdue:{placement.pk}",
                subject=f"Referral form Part A overdue: {placement.pupil.initials}",
                body="Part A of the referral form was due within a week of the referral.",
                url=placement_url(placement),
                school=placement.school,
                directory=directory,
            )
        )
    first_reviews = {}
    for placement_id, day in (
        Review.objects.filter(kind=Review.Kind.SCHEDULED, placement__status__in=Placement.COMMITTED_STATUSES)
        .order_by("scheduled_for")
        .values_list("placement_id", "scheduled_for")
    ):
        first_reviews.setdefault(placement_id, day)
    committed = (
        Placement.objects.filter(pk__in=[pk for pk, day in first_reviews.items() if day < today])
        .exclude(referral_form__part_b_completed_at__isnull=False)
        .select_related("trust", "school", "provider", "pupil")
        .order_by("pk")
    )
    for placement in committed:
        sent += bool(
            alert(
                kind="placements.referral_form_overdue",
                trust=placement.trust,
                key=f"referral-part-b-overdue:{placement.pk}",
                subject=f"Referral form Part B overdue: {placement.pupil.initials}",
                body=f"Part B of the referral form was due by the first review on {first_reviews[placement.pk]:%d %B %Y}.",
                url=placement_url(placement),
                school=placement.school,
                directory=directory,
            )
        )
    return sent
