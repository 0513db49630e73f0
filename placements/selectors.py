"""Reads of the placements app: hours and full-time education, the registration rule's facts, outstanding
reviews and the placement list."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from placements import rules
from placements.behaviour import monday_of
from placements.models import BehaviourConcern, BehaviourUpdate, Placement, Pupil, Review, TimetableSession
from providers.registration import PlacementFact, registration_check


def placement_hours(placement) -> Decimal:
    return sum((s.hours for s in placement.sessions.all()), Decimal("0"))


def overlapping(placement, candidates) -> list:
    """Of ``candidates`` (committed placements of the pupil), those other than ``placement`` that overlap it."""
    end, start = placement.planned_end_date, placement.start_date
    return [
        o
        for o in candidates
        if o.pk != placement.pk
        and o.pupil_id == placement.pupil_id
        and (end is None or o.start_date < end)
        and (o.planned_end_date is None or o.planned_end_date > start)
    ]


def committed_of_pupils(pupil_ids) -> list[Placement]:
    """Every agreed or running placement of these pupils, with provider and hours: one query."""
    return list(
        Placement.objects.filter(pupil_id__in=pupil_ids, status__in=Placement.COMMITTED_STATUSES)
        .select_related("provider")
        .with_hours()
        .order_by("pk")
    )


def other_current_placements(placement):
    """The pupil's other placements that are agreed or running and overlap this one: each provider should
    know about the others."""
    queryset = (
        Placement.objects.filter(pupil_id=placement.pupil_id, status__in=Placement.COMMITTED_STATUSES)
        .exclude(pk=placement.pk)
        .select_related("provider")
        .with_hours()
    )
    if placement.planned_end_date:
        queryset = queryset.filter(start_date__lt=placement.planned_end_date)
    return queryset.filter(Q(planned_end_date__isnull=True) | Q(planned_end_date__gt=placement.start_date))


def weekly_education(placement, *, others=None) -> dict:
    """Hours here, at other providers and at school, the total and whether it falls short of full-time."""
    others = list(other_current_placements(placement)) if others is None else others
    here = placement_hours(placement)
    elsewhere = sum((Decimal(o.weekly_hours or 0) for o in others), Decimal("0"))
    total = rules.total_weekly_education(
        hours_here=here, hours_elsewhere=elsewhere, hours_at_school=placement.hours_at_school_per_week
    )
    policy = placement.trust.policy
    return {
        "here": here,
        "elsewhere": elsewhere,
        "at_school": placement.hours_at_school_per_week,
        "total": total,
        "full_time_here": rules.is_full_time(here, policy),
        "school_week": placement.school.weekly_hours,
        "flag": rules.reduced_education_flag(
            total=total,
            school_weekly_hours=placement.school.weekly_hours,
            medical_reason=placement.medical_reason_reduced_hours,
        ),
    }


def committed_at_providers(provider_ids) -> dict[int, list[Placement]]:
    """The agreed or active placements at each of ``provider_ids`` across every school of the trust, with
    their hours: one query however many providers."""
    by_provider: dict[int, list[Placement]] = {pid: [] for pid in provider_ids}
    for p in (
        Placement.objects.filter(provider_id__in=provider_ids, status__in=Placement.COMMITTED_STATUSES)
        .select_related("pupil")
        .only(*FACT_FIELDS)
        .with_hours()
        .order_by("pk")
    ):
        by_provider[p.provider_id].append(p)
    return by_provider


# What ``registration_facts`` reads of each committed placement (its weekly hours come annotated).
FACT_FIELDS = (
    "provider_id",
    "pupil_id",
    "school_id",
    "start_date",
    "planned_end_date",
    "pupil__looked_after",
    "pupil__ehcp",
)


def registration_facts(provider, *, including=None, committed=None) -> list[PlacementFact]:
    """One fact per agreed or active placement at ``provider`` across every school of the trust, plus the
    candidate placement ``including`` (not yet agreed) when given. ``committed``: those placements, where
    the caller has them already (``committed_at_providers``)."""
    placements = list(committed_at_providers([provider.pk])[provider.pk] if committed is None else committed)
    if including is not None and all(p.pk != including.pk for p in placements):
        including.weekly_hours = placement_hours(including)
        placements.append(including)
    return [
        PlacementFact(
            placement_id=p.pk,
            pupil_id=p.pupil_id,
            school_id=p.school_id,
            start=p.start_date,
            end=p.planned_end_date,
            hours_per_week=Decimal(p.weekly_hours or 0),
            looked_after=p.pupil.looked_after,
            ehcp=p.pupil.ehcp,
        )
        for p in placements
    ]


def registration_fact_source(*, provider, window) -> list[PlacementFact]:
    """The placements' facts in the shape the providers app asks for (it filters by the window itself)."""
    return registration_facts(provider)


def registration_fact_source_many(*, providers, window) -> dict[int, list[PlacementFact]]:
    """``registration_fact_source`` for many providers in one query, by provider id."""
    committed = committed_at_providers([p.pk for p in providers])
    return {p.pk: registration_facts(p, committed=committed[p.pk]) for p in providers}


registration_fact_source.many = registration_fact_source_many


def placement_registration_check(placement, *, committed=None):
    return registration_check(
        provider=placement.provider,
        facts=registration_facts(placement.provider, including=placement, committed=committed),
        policy=placement.trust.policy,
        window=(placement.start_date, placement.planned_end_date),
    )


def outstanding_reviews(membership=None):
    """Reviews not yet held of placements that are agreed or running, earliest first: the ones someone still
    has to hold. Without ``membership``, every one in the active trust (for the reminder job)."""
    reviews = Review.objects.all() if membership is None else Review.objects.visible_to(membership)
    return (
        reviews.filter(held_on__isnull=True, placement__status__in=Placement.COMMITTED_STATUSES)
        .select_related("placement__school", "placement__provider", "placement__pupil")
        .order_by("scheduled_for", "pk")
    )


def placement_list(membership):
    return (
        Placement.objects.visible_to(membership)
        .select_related("pupil", "provider", "school")
        .annotate(weekly_hours=Sum("sessions__hours"), session_count=Count("sessions"))
        .order_by("-start_date", "-pk")
    )


def placement_list_rows(membership):
    """The placement list's rows: the columns the table shows, and the weekly hours as a subquery a row so
    counting the rows for the pager needs no join."""
    hours = (
        TimetableSession.objects.filter(placement=OuterRef("pk"))
        .order_by()
        .values("placement")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return (
        Placement.objects.visible_to(membership)
        .select_related("pupil", "provider", "school")
        .only(*PLACEMENT_ROW_FIELDS)
        .annotate(weekly_hours=Subquery(hours))
        .order_by("-start_date", "-pk")
    )


def pupil_list_rows(membership):
    """The pupil list's rows: the columns the table shows, and the number of placements as a subquery a row so
    counting the rows for the pager needs no join."""
    placements = (
        Placement.objects.filter(pupil=OuterRef("pk"))
        .order_by()
        .values("pupil")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Pupil.objects.visible_to(membership)
        .select_related("school")
        .only("legal_first_name", "legal_last_name", "preferred_name", "year_group", "upn", "school__name")
        .annotate(placement_count=Coalesce(Subquery(placements), 0))
        .order_by("legal_last_name", "legal_first_name", "pk")
    )


PLACEMENT_ROW_FIELDS = (
    "status",
    "ended_outcome",
    "provider_response",
    "reason",
    "start_date",
    "planned_end_date",
    "pupil__legal_first_name",
    "pupil__legal_last_name",
    "pupil__preferred_name",
    "provider__legal_name",
    "provider__trading_name",
    "school__name",
)


def cost_parts(placement) -> list[str]:
    """The placement's costs as separate phrases, for a page to join with separators."""
    parts = []
    if placement.rate is not None and placement.rate_unit:
        parts.append(f"£{placement.rate} a {placement.rate_unit}")
    if placement.transport_cost is not None and placement.transport_cost_unit:
        unit = "once" if placement.transport_cost_unit == "fixed" else f"a {placement.transport_cost_unit}"
        parts.append(f"transport £{placement.transport_cost} {unit}")
    if placement.registration_cost:
        parts.append(f"registration £{placement.registration_cost}")
    if placement.extra_costs:
        detail = f" ({placement.extra_costs_detail})" if placement.extra_costs_detail else ""
        parts.append(f"extra £{placement.extra_costs}{detail}")
    return parts


def causing_concern(membership):
    """Open "causing concern" marks on the placements ``membership`` sees, the longest-standing first."""
    return (
        BehaviourConcern.objects.filter(
            placement__in=Placement.objects.visible_to(membership), cleared_at__isnull=True
        )
        .select_related("placement__pupil", "placement__provider")
        .order_by("raised_at", "pk")
    )


def behaviour_updates_due(membership, *, today):
    """Open concerns on running placements without this week's behaviour update, the oldest first."""
    this_week = BehaviourUpdate.objects.filter(concern=OuterRef("pk"), week_starting=monday_of(today))
    return (
        causing_concern(membership)
        .filter(placement__status=Placement.Status.ACTIVE)
        .exclude(Exists(this_week))
        .select_related("placement__school")
    )


def referrals_awaiting_answer(membership):
    """Referrals proposed to the provider and not yet accepted or declined, the longest-waiting first."""
    return (
        Placement.objects.visible_to(membership)
        .filter(status=Placement.Status.PROPOSED, provider_response="")
        .select_related("pupil", "school")
        .order_by(F("proposed_at").asc(nulls_first=True), "pk")
    )
