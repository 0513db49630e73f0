"""Pupils, their placements at providers, and everything a placement needs from referral to outcome."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from placements.upn import upn_problem
from providers.models import (
    YEAR_GROUPS,  # noqa: F401 - one list of year groups, shared with providers
    get_private_storage,
)
from trusts.models import School, Trust, scoped_manager
from trusts.roles import Role


def validate_upn(value):
    problem = upn_problem(value)
    if problem:
        raise ValidationError(problem)


class PupilQuerySet(models.QuerySet):
    def visible_to(self, membership):
        if membership.role == Role.PROVIDER_STAFF:
            placed = Placement.objects.filter(provider_id=membership.provider_id).exclude(
                status=Placement.Status.DRAFT
            )
            return self.filter(pk__in=placed.values("pupil_id"))
        if membership.school_id is not None:
            return self.filter(school_id=membership.school_id)
        return self


class Pupil(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        OTHER = "X", "Other or not stated"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    legal_first_name = models.CharField(max_length=100)
    legal_last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    upn = models.CharField("UPN", max_length=13, validators=[validate_upn])
    year_group = models.CharField(max_length=2, choices=YEAR_GROUPS)
    gender = models.CharField(max_length=1, choices=Gender.choices, default=Gender.OTHER)
    first_language = models.CharField(max_length=60, blank=True, default="English")
    # Sensitive flags: shown only to the roles holding "pupil.read_sensitive" (trusts.permissions).
    ehcp = models.BooleanField("has an EHCP", default=False)
    ehcp_under_assessment = models.BooleanField("EHC needs assessment under way", default=False)
    sen_support = models.BooleanField("SEN support", default=False)
    looked_after = models.BooleanField("looked-after child", default=False)
    responsible_la = models.CharField("responsible local authority", max_length=100, blank=True)
    child_protection_plan = models.BooleanField(default=False)
    child_in_need = models.BooleanField(default=False)
    fsm = models.BooleanField("eligible for free school meals", default=False)
    medical_needs = models.TextField(blank=True)
    access_arrangements = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(PupilQuerySet)
    history = HistoricalRecords()

    SENSITIVE_FIELDS = (
        "ehcp",
        "ehcp_under_assessment",
        "sen_support",
        "looked_after",
        "responsible_la",
        "child_protection_plan",
        "child_in_need",
        "fsm",
        "medical_needs",
        "access_arrangements",
    )

    class Meta:
        ordering = ["legal_last_name", "legal_first_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["trust", "upn"], name="pupil_upn_unique_in_trust"),
            models.CheckConstraint(
                condition=Q(looked_after=False) | ~Q(responsible_la=""), name="pupil_lac_has_responsible_la"
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        first = self.preferred_name or self.legal_first_name
        return f"{first} {self.legal_last_name}"

    @property
    def legal_name(self):
        return f"{self.legal_first_name} {self.legal_last_name}"

    @property
    def initials(self) -> str:
        """The one way a pupil is named where a message leaves the system (email): "A.B."."""
        first = (self.preferred_name or self.legal_first_name or "?")[:1]
        return f"{first}.{(self.legal_last_name or '?')[:1]}.".upper()

    @property
    def needs_la_agreement(self) -> bool:
        return self.ehcp or self.looked_after

    @property
    def is_vulnerable(self) -> bool:
        """The one definition: a child on a protection plan, looked after, or a child in need."""
        return self.child_protection_plan or self.looked_after or self.child_in_need

    def clean(self):
        if self.looked_after and not self.responsible_la.strip():
            raise ValidationError({"responsible_la": "Name the local authority responsible for this child."})
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            raise ValidationError({"date_of_birth": "The date of birth is in the future."})


class ViaPupilQuerySet(models.QuerySet):
    def visible_to(self, membership):
        return self.filter(pupil__in=Pupil.objects.visible_to(membership))


class Carer(models.Model):
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="carers")
    name = models.CharField(max_length=150)
    relationship = models.CharField(max_length=60)
    has_parental_responsibility = models.BooleanField(default=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)

    objects = scoped_manager(ViaPupilQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-has_parental_responsibility", "name", "pk"]

    def __str__(self):
        return f"{self.name} ({self.relationship})"


def not_negative(value):
    if value is not None and value < 0:
        raise ValidationError("An amount cannot be negative.")


class RateUnit(models.TextChoices):
    SESSION = "session", "per session"
    DAY = "day", "per day"
    WEEK = "week", "per week"
    TERM = "term", "per term"


class TransportCostUnit(models.TextChoices):
    DAY = "day", "per day"
    WEEK = "week", "per week"
    TERM = "term", "per term"
    FIXED = "fixed", "a fixed amount, once"


# Above these an amount is almost certainly a slip (a misplaced decimal point, a yearly figure): refused with a
# message rather than stored. Generous on purpose: the dearest specialist places cost a few hundred a day.
RATE_CEILINGS = {
    RateUnit.SESSION: Decimal("1000"),
    RateUnit.DAY: Decimal("2000"),
    RateUnit.WEEK: Decimal("10000"),
    RateUnit.TERM: Decimal("50000"),
}
TRANSPORT_CEILINGS = {
    TransportCostUnit.DAY: Decimal("500"),
    TransportCostUnit.WEEK: Decimal("2500"),
    TransportCostUnit.TERM: Decimal("25000"),
    TransportCostUnit.FIXED: Decimal("25000"),
}
ONE_OFF_CEILING = Decimal("25000")


def cost_problems(*, rate, rate_unit, transport_cost, transport_cost_unit, registration_cost, extra_costs):
    """Field -> message for agreed costs that cannot be right: an amount without its unit or a unit without
    its amount, or an amount far above anything real (see the ceilings above)."""
    problems = {}
    for amount_field, amount, unit_field, unit, ceilings, units in (
        ("rate", rate, "rate_unit", rate_unit, RATE_CEILINGS, RateUnit),
        (
            "transport_cost",
            transport_cost,
            "transport_cost_unit",
            transport_cost_unit,
            TRANSPORT_CEILINGS,
            TransportCostUnit,
        ),
    ):
        if amount is not None and not unit:
            problems[unit_field] = "Say what the amount is for: " + ", ".join(units.labels) + "."
        elif unit and amount is None:
            problems[amount_field] = "Enter the amount, or clear how it is paid."
        elif amount is not None and amount > ceilings.get(unit, amount):
            problems[amount_field] = (
                f"£{amount:,.2f} {units(unit).label} is more than £{ceilings[unit]:,.0f}: check the amount "
                "(a misplaced decimal point, or a yearly figure?)."
            )
    for name, amount in (("registration_cost", registration_cost), ("extra_costs", extra_costs)):
        if amount is not None and amount > ONE_OFF_CEILING:
            problems[name] = f"£{amount:,.2f} is more than £{ONE_OFF_CEILING:,.0f}: check the amount."
    return problems


class PlacementQuerySet(models.QuerySet):
    def visible_to(self, membership):
        if membership.role == Role.PROVIDER_STAFF:
            # A draft is the school's working copy; the provider sees a placement once it is proposed.
            return self.filter(provider_id=membership.provider_id).exclude(status=Placement.Status.DRAFT)
        if membership.school_id is not None:
            return self.filter(school_id=membership.school_id)
        return self

    def current(self):
        return self.filter(status__in=Placement.COMMITTED_STATUSES)

    def with_hours(self):
        return self.annotate(weekly_hours=models.Sum("sessions__hours"))


class Placement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PROPOSED = "proposed", "Proposed"
        AGREED = "agreed", "Agreed"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    class EndedOutcome(models.TextChoices):
        COMPLETED = "completed", "Completed"
        ENDED_EARLY = "ended_early", "Ended early"

    class Reason(models.TextChoices):
        AT_RISK_OF_EXCLUSION = "at_risk", "At risk of exclusion or repeated suspensions"
        SUSPENSION = "suspension", "Suspension of more than five days (from the sixth school day)"
        OFF_SITE_DIRECTION = "off_site", "Off-site direction to improve behaviour"
        HEALTH_SEMH = "health", "Health or social, emotional and mental health needs"
        CURRICULUM = "curriculum", "Curriculum (a course the school cannot offer)"
        EHCP = "ehcp", "Provision named in an EHCP"

    class Transport(models.TextChoices):
        NONE_NEEDED = "", "Not yet arranged"
        TAXI = "taxi", "Taxi arranged by the school"
        PARENT = "parent", "Parent or carer brings the pupil"
        INDEPENDENT = "independent", "Independent travel"
        PROVIDER = "provider", "Provider transport"

    class ProviderResponse(models.TextChoices):
        AWAITING = "", "Not answered yet"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    COMMITTED_STATUSES = (Status.AGREED, Status.ACTIVE)
    RateUnit = RateUnit
    TransportCostUnit = TransportCostUnit
    # The fields a school sets on the placement form, in the form's order; services accept only these.
    EDITABLE_FIELDS = (
        "reason",
        "reason_detail",
        "start_date",
        "planned_end_date",
        "part_time_review_date",
        "curriculum",
        "rate",
        "rate_unit",
        "transport_cost",
        "transport_cost_unit",
        "registration_cost",
        "extra_costs",
        "extra_costs_detail",
        "payment_terms",
        "transport",
        "transport_detail",
        "meal_arrangement",
        "school_main_contact",
        "school_attendance_contact",
        "school_dsl_contact",
        "school_senco_contact",
        "provider_contact",
        "info_shared",
        "hours_at_school_per_week",
        "medical_reason_reduced_hours",
        "outside_age_range_reason",
    )

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="placements")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="placements")
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="placements")
    reason = models.CharField("reason for referral", max_length=20, choices=Reason.choices)
    reason_detail = models.TextField("why this placement", blank=True)
    start_date = models.DateField()
    planned_end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    ended_outcome = models.CharField(max_length=12, choices=EndedOutcome.choices, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    ended_reason = models.TextField(blank=True)

    # Costs (Appendix B of the commissioning agreement): one agreed rate with the unit it is paid by, the
    # transport cost with its own unit, and one-off costs. ``reports.costs`` turns them into the cost of a period.
    rate = models.DecimalField(
        "agreed rate (£)", max_digits=8, decimal_places=2, null=True, blank=True, validators=[not_negative]
    )
    rate_unit = models.CharField("paid", max_length=8, choices=RateUnit.choices, blank=True)
    transport_cost = models.DecimalField(
        "transport cost (£)", max_digits=8, decimal_places=2, null=True, blank=True, validators=[not_negative]
    )
    transport_cost_unit = models.CharField(
        "transport paid", max_length=8, choices=TransportCostUnit.choices, blank=True
    )
    registration_cost = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, validators=[not_negative]
    )
    extra_costs = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, validators=[not_negative]
    )
    extra_costs_detail = models.CharField(max_length=200, blank=True)
    payment_terms = models.CharField(max_length=200, blank=True)

    transport = models.CharField(max_length=12, choices=Transport.choices, blank=True)
    transport_detail = models.CharField(max_length=200, blank=True)
    meal_arrangement = models.CharField("free-meal arrangement", max_length=200, blank=True)

    # Named contacts (name and how to reach them).
    school_main_contact = models.CharField("school main contact", max_length=200, blank=True)
    school_attendance_contact = models.CharField("school attendance contact", max_length=200, blank=True)
    school_dsl_contact = models.CharField("school DSL", max_length=200, blank=True)
    school_senco_contact = models.CharField("school SENCO", max_length=200, blank=True)
    provider_contact = models.CharField("provider contact", max_length=200, blank=True)

    info_shared = models.TextField("information shared with the provider", blank=True)
    curriculum = models.TextField("learning programme and accreditation", blank=True)

    # Hours: the timetable gives the hours at the provider; these say what the rest of the week holds.
    hours_at_school_per_week = models.DecimalField(
        max_digits=4, decimal_places=1, default=Decimal("0"), help_text="Hours a week still taught at school."
    )
    medical_reason_reduced_hours = models.TextField("medical reason for reduced hours", blank=True)
    part_time_review_date = models.DateField(null=True, blank=True)

    la_informed_on = models.DateField("local authority informed on", null=True, blank=True)
    risk_assessment_recorded_on = models.DateField(null=True, blank=True)
    risk_assessment_summary = models.TextField(blank=True)

    # A placement at a provider that does not take the pupil's year group needs a reason on record.
    outside_age_range_reason = models.TextField("why this provider, outside its year groups", blank=True)

    proposed_at = models.DateTimeField(null=True, blank=True)
    # The provider's answer to the referral.
    provider_response = models.CharField(
        max_length=10, choices=ProviderResponse.choices, default=ProviderResponse.AWAITING, blank=True
    )
    provider_responded_at = models.DateTimeField(null=True, blank=True)
    provider_responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    provider_decline_reason = models.TextField(blank=True)
    key_worker = models.CharField("the provider's key worker", max_length=150, blank=True)
    # The provider's initial assessment of the pupil, due within a week of the start.
    initial_assessment_on = models.DateField(null=True, blank=True)
    initial_assessment_summary = models.TextField(blank=True)
    initial_assessment_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    emergency_review_called_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(PlacementQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end_date__isnull=True) | Q(planned_end_date__gt=models.F("start_date")),
                name="placement_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="ended") | (Q(ended_on__isnull=False) & ~Q(ended_outcome="")),
                name="placement_ended_has_outcome",
            ),
            models.CheckConstraint(
                condition=(Q(rate__isnull=True) & Q(rate_unit=""))
                | (Q(rate__isnull=False) & Q(rate__gte=0) & ~Q(rate_unit="")),
                name="placement_rate_has_unit",
            ),
            models.CheckConstraint(
                condition=(Q(transport_cost__isnull=True) & Q(transport_cost_unit=""))
                | (Q(transport_cost__isnull=False) & Q(transport_cost__gte=0) & ~Q(transport_cost_unit="")),
                name="placement_transport_cost_has_unit",
            ),
        ]

    def __str__(self):
        return f"{self.pupil} at {self.provider}"

    def clean(self):
        problems = cost_problems(
            rate=self.rate,
            rate_unit=self.rate_unit,
            transport_cost=self.transport_cost,
            transport_cost_unit=self.transport_cost_unit,
            registration_cost=self.registration_cost,
            extra_costs=self.extra_costs,
        )
        if problems:
            raise ValidationError(problems)

    @property
    def is_off_site_direction(self):
        return self.reason == self.Reason.OFF_SITE_DIRECTION

    @property
    def is_open(self):
        return self.status in (self.Status.DRAFT, self.Status.PROPOSED)

    @property
    def provider_accepted(self) -> bool:
        return self.provider_response == self.ProviderResponse.ACCEPTED


class ViaPlacementQuerySet(models.QuerySet):
    def visible_to(self, membership):
        return self.filter(placement__in=Placement.objects.visible_to(membership))


class TimetableSession(models.Model):
    class Session(models.TextChoices):
        AM = "am", "Morning"
        PM = "pm", "Afternoon"

    WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday")]

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="sessions")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    session = models.CharField(max_length=2, choices=Session.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    # Derived from the times on save, so sums run in the database.
    hours = models.DecimalField(max_digits=4, decimal_places=2, editable=False, default=Decimal("0"))

    objects = scoped_manager(ViaPlacementQuerySet)

    class Meta:
        ordering = ["weekday", "session"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "weekday", "session"], name="timetable_session_once"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="session_times_order"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=4), name="session_on_a_weekday"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.get_session_display().lower()} {self.times}"

    def save(self, *args, **kwargs):
        from placements.rules import session_hours

        self.hours = session_hours(self.start_time, self.end_time)
        super().save(*args, **kwargs)

    @property
    def times(self):
        return f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"


class Consent(models.Model):
    class Decision(models.TextChoices):
        GIVEN = "given", "Consent given"
        REFUSED = "refused", "Consent refused"

    class Method(models.TextChoices):
        IN_PERSON = "in_person", "In person (signed form)"
        PHONE = "phone", "By phone"
        EMAIL = "email", "By email"
        LETTER = "letter", "By letter"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="consents")
    carer = models.ForeignKey(Carer, on_delete=models.PROTECT, related_name="consents")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    method = models.CharField(max_length=10, choices=Method.choices)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)

    objects = scoped_manager(ViaPlacementQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self):
        return f"{self.get_decision_display()} by {self.carer.name}"


class LAAgreement(models.Model):
    """Agreement of the local authority, needed instead of parental consent where the pupil has an EHCP or is
    looked after."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="la_agreements")
    local_authority = models.CharField(max_length=100)
    officer_name = models.CharField(max_length=150)
    officer_role = models.CharField(max_length=100, blank=True)
    agreed_on = models.DateField()
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(ViaPlacementQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-agreed_on", "-pk"]
        verbose_name = "LA agreement"

    def __str__(self):
        return f"{self.local_authority} agreed on {self.agreed_on:%d %b %Y}"


class Plan(models.Model):
    """The personalised plan: objectives with targets, the reintegration aim and everyone's views."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.OneToOneField(Placement, on_delete=models.CASCADE, related_name="plan")
    overview = models.TextField("strengths, barriers and what works", blank=True)
    reintegration_aim = models.TextField()
    pupil_views = models.TextField("the pupil's views", blank=True)
    parent_views = models.TextField("parents' or carers' views", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(ViaPlacementQuerySet)
    history = HistoricalRecords()

    def __str__(self):
        return f"Plan for {self.placement}"


class ViaPlanQuerySet(models.QuerySet):
    def visible_to(self, membership):
        return self.filter(plan__placement__in=Placement.objects.visible_to(membership))


class Target(models.Model):
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    objective = models.CharField(max_length=300)
    baseline = models.CharField(max_length=300)
    measure = models.CharField("how progress is measured", max_length=300)
    school_support = models.TextField("support from the school", blank=True)
    provider_support = models.TextField("support from the provider", blank=True)
    target_date = models.DateField()
    order = models.PositiveSmallIntegerField(default=0)

    objects = scoped_manager(ViaPlanQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.objective


class SLAVersion(models.Model):
    """One version of the service level agreement. Its data and PDF are frozen when it is built; the signed
    PDF is rendered once, from the same frozen data, when the second side signs."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="sla_versions")
    number = models.PositiveSmallIntegerField()
    snapshot = models.JSONField()
    fingerprint = models.CharField(max_length=64)
    pdf = models.BinaryField(editable=False)
    signed_pdf = models.BinaryField(editable=False, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    school_signatory_name = models.CharField(max_length=150, blank=True)
    school_signatory_role = models.CharField(max_length=100, blank=True)
    school_signed_at = models.DateTimeField(null=True, blank=True)
    school_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    provider_signatory_name = models.CharField(max_length=150, blank=True)
    provider_signatory_role = models.CharField(max_length=100, blank=True)
    provider_signed_at = models.DateTimeField(null=True, blank=True)
    provider_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = scoped_manager(ViaPlacementQuerySet)

    class Meta:
        ordering = ["-number"]
        verbose_name = "SLA version"
        constraints = [
            models.UniqueConstraint(fields=["placement", "number"], name="sla_version_number_unique"),
        ]

    def __str__(self):
        return f"SLA version {self.number}"

    @property
    def fully_signed(self) -> bool:
        return bool(self.school_signed_at and self.provider_signed_at)

    @property
    def state_label(self) -> str:
        if self.superseded_at:
            return "Superseded"
        if self.fully_signed:
            return "Signed by both sides"
        if self.school_signed_at or self.provider_signed_at:
            return "Signed by one side"
        return "Awaiting signatures"


class ReferralNotice(models.Model):
    """The written notice to parents of an off-site direction (Education (Educational Provision for Improving
    Behaviour) Regulations 2010), frozen as issued."""

    class DeliveredBy(models.TextChoices):
        HAND = "hand", "By hand"
        POST = "post", "First-class post"
        EMAIL = "email", "Email"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="notices")
    notice_date = models.DateField("date the notice is given")
    delivered_by = models.CharField(max_length=10, choices=DeliveredBy.choices)
    recipients = models.CharField("given to", max_length=300)
    report_to = models.CharField("whom the pupil reports to on the first day", max_length=200)
    number_of_days = models.PositiveSmallIntegerField()
    reasons = models.TextField()
    objectives = models.TextField()
    contents = models.JSONField()
    pdf = models.BinaryField(editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(ViaPlacementQuerySet)

    class Meta:
        ordering = ["-notice_date", "-pk"]

    def __str__(self):
        return f"Off-site direction notice of {self.notice_date:%d %b %Y}"


class Review(models.Model):
    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled review"
        EMERGENCY = "emergency", "Emergency review"
        PARENT = "parent", "Parent review"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SCHEDULED)
    scheduled_for = models.DateField()
    held_on = models.DateField(null=True, blank=True)
    attendance = models.TextField(blank=True)
    attendance_percent = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    behaviour = models.TextField(blank=True)
    safeguarding = models.TextField(blank=True)
    pupil_voice = models.TextField(blank=True)
    parent_voice = models.TextField(blank=True)
    actions = models.TextField(blank=True)
    next_review_date = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = scoped_manager(ViaPlacementQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheduled_for", "pk"]
        indexes = [
            # The reviews still to hold, by date: the dashboards' overdue and coming reviews and the reminders
            # (a held review is never read by date again).
            models.Index(
                fields=["trust", "scheduled_for"],
                name="review_outstanding_date",
                condition=Q(held_on__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.scheduled_for:%d %b %Y}"


class TargetProgress(models.Model):
    class Rating(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        SOME = "some", "Some progress"
        GOOD = "good", "Good progress"
        ACHIEVED = "achieved", "Achieved"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="progress")
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="progress")
    rating = models.CharField(max_length=12, choices=Rating.choices)
    comment = models.TextField(blank=True)

    objects = scoped_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "target"], name="progress_once_per_review")]

    def __str__(self):
        return f"{self.get_rating_display()}: {self.target}"


class ProviderReport(models.Model):
    """The provider's half-termly progress report."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="provider_reports")
    period_ending = models.DateField("half-term ending")
    # Filled in from the registers when the report is written; the text is the provider's comment on it.
    sessions_possible = models.PositiveIntegerField(null=True, blank=True)
    sessions_attended = models.PositiveIntegerField(null=True, blank=True)
    attendance = models.TextField("comment on attendance", blank=True)
    progress = models.TextField("progress against the targets")
    behaviour = models.TextField(blank=True)
    wellbeing = models.TextField(blank=True)
    next_steps = models.TextField(blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(ViaPlacementQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_ending", "-pk"]

    def __str__(self):
        return f"Provider report to {self.period_ending:%d %b %Y}"

    @property
    def attendance_percent(self):
        if not self.sessions_possible:
            return None
        return (Decimal(100) * self.sessions_attended / self.sessions_possible).quantize(Decimal("0.1"))


class BehaviourIncident(models.Model):
    class Category(models.TextChoices):
        """What kind of incident, from the risk indicators of the referral form (violence to peers or staff,
        verbal abuse, damage, racist behaviour, sexualised behaviour, drugs or alcohol, weapons, defiance) and
        the behaviour and anti-bullying policies a provider must hold. Incidents recorded before categories
        existed are "not recorded"; a new incident cannot be."""

        ASSAULT_PUPIL = "assault_pupil", "Physical assault on a pupil"
        ASSAULT_ADULT = "assault_adult", "Physical assault on an adult"
        VERBAL_PUPIL = "verbal_pupil", "Verbal abuse or threats to a pupil"
        VERBAL_ADULT = "verbal_adult", "Verbal abuse or threats to an adult"
        BULLYING = "bullying", "Bullying (including online)"
        DAMAGE = "damage", "Damage to property"
        DISCRIMINATORY = "discriminatory", "Discriminatory incident (racist, sexist, homophobic, disability)"
        SEXUAL = "sexual", "Sexual harm or sexualised behaviour"
        DRUGS_ALCOHOL = "drugs_alcohol", "Drugs or alcohol"
        WEAPON = "weapon", "Weapon or dangerous item"
        ABSCONDING = "absconding", "Absconding or leaving the site"
        DISRUPTION = "disruption", "Persistent disruption or defiance"
        OTHER = "other", "Other"
        NOT_RECORDED = "not_recorded", "Not recorded"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="incidents")
    occurred_at = models.DateTimeField()
    category = models.CharField(max_length=16, choices=Category.choices)
    description = models.TextField()
    action_taken = models.TextField(blank=True)
    parent_informed = models.BooleanField(default=False)
    # The emergency review this incident counted towards; incidents not yet counted make up the next run.
    emergency_review = models.ForeignKey(
        "Review", null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(ViaPlacementQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_at", "-pk"]

    def __str__(self):
        return f"Incident on {self.occurred_at:%d %b %Y}"


class Outcome(models.Model):
    class Destination(models.TextChoices):
        MAINSTREAM = "mainstream", "Back to mainstream at the school"
        NEW_SCHOOL = "new_school", "A new school"
        FURTHER_EDUCATION = "fe", "Further education"
        EMPLOYMENT_WITH_TRAINING = "employment", "Employment with training"
        NEET = "neet", "Not in education, employment or training (NEET)"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.OneToOneField(Placement, on_delete=models.CASCADE, related_name="outcome")
    attendance_percent = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    attainment = models.TextField(blank=True)
    accreditation = models.TextField(blank=True)
    destination = models.CharField(max_length=12, choices=Destination.choices)
    pupil_assessment = models.TextField("the pupil's own assessment", blank=True)
    school_evaluation = models.TextField("the school's evaluation", blank=True)
    reintegration_plan = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(ViaPlacementQuerySet)
    history = HistoricalRecords()

    def __str__(self):
        return f"Outcome of {self.placement}"


class TargetOutcome(models.Model):
    class Result(models.TextChoices):
        ACHIEVED = "achieved", "Achieved"
        PARTLY = "partly", "Partly achieved"
        NOT_ACHIEVED = "not_achieved", "Not achieved"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="target_outcomes")
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="outcomes")
    result = models.CharField(max_length=12, choices=Result.choices)
    comment = models.TextField(blank=True)

    objects = scoped_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["outcome", "target"], name="target_outcome_once")]

    def __str__(self):
        return f"{self.get_result_display()}: {self.target}"


# Sub-domains with models of their own (imported here so that Django finds them).
from placements.safeguarding.models import ConcernAction, ProviderBrief, SafeguardingConcern  # noqa: E402, F401


def attachment_upload_to(instance, filename):
    # The stored name never comes from the uploader: a generated name with the extension of the detected type.
    import os
    import uuid

    return f"placements/{instance.trust_id}/{uuid.uuid4().hex}{os.path.splitext(filename)[1].lower()}"


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, membership):
        placements = Placement.objects.visible_to(membership)
        if membership.role == Role.PROVIDER_STAFF:
            # The provider sees only what the school chose to share with it.
            return self.filter(placement__in=placements, shared_with_provider=True)
        return self.filter(placement__in=placements)


class Attachment(models.Model):
    """A private document on a placement (referral, EHCP, risk assessment, a home/school agreement signed on
    paper), checked by content on upload and served only through a permission check."""

    class Kind(models.TextChoices):
        REFERRAL = "referral", "Referral documents"
        EHCP = "ehcp", "EHCP"
        RISK_ASSESSMENT = "risk_assessment", "Risk assessment"
        HOME_SCHOOL_AGREEMENT = "home_school", "Home/school agreement (signed on paper)"
        OTHER = "other", "Other"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200, blank=True)
    shared_with_provider = models.BooleanField(
        "shared with the provider", default=False, help_text="Unticked: the school's staff only."
    )
    file = models.FileField(upload_to=attachment_upload_to, storage=get_private_storage, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(AttachmentQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.title or self.get_kind_display()


class SetupMeeting(models.Model):
    """The set-up (welcome) meeting before or at the start: who came and what was agreed."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="setup_meetings")
    held_on = models.DateField()
    attendees = models.TextField(
        help_text="Who came: the pupil, parents or carers, the school, the provider."
    )
    notes = models.TextField("what was agreed", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(ViaPlacementQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"Set-up meeting on {self.held_on:%d %b %Y}"


class HomeSchoolAgreement(models.Model):
    """The home/school agreement of the placement, agreed by the parents or carers, the pupil, the school and
    the provider; its wording frozen as agreed, printable."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="home_school_agreements")
    agreed_on = models.DateField()
    carers = models.CharField("parents or carers agreeing", max_length=300)
    pupil_agreed = models.BooleanField("the pupil agreed", default=False)
    school_name = models.CharField("agreed for the school by", max_length=150)
    provider_name = models.CharField("agreed for the provider by", max_length=150)
    contents = models.JSONField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(ViaPlacementQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-agreed_on", "-pk"]

    def __str__(self):
        return f"Home/school agreement of {self.agreed_on:%d %b %Y}"


class Suspension(models.Model):
    """A suspension (fixed-period exclusion) of the pupil, in school days. Consecutive suspensions add up
    (``placements.rules.suspension_run``)."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="suspensions")
    first_day = models.DateField()
    school_days = models.PositiveSmallIntegerField()
    reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(ViaPupilQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-first_day", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(school_days__gte=1), name="suspension_has_days")]

    def __str__(self):
        return f"Suspension of {self.school_days} school days from {self.first_day:%d %b %Y}"


class SuspensionNotice(models.Model):
    """The parents' notice of the provision arranged during a suspension (start date, times, address and
    whom to report to), frozen as given."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="suspension_notices")
    given_at = models.DateTimeField()
    contents = models.JSONField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = scoped_manager(ViaPlacementQuerySet)

    class Meta:
        ordering = ["-given_at", "-pk"]

    def __str__(self):
        return f"Suspension provision notice of {self.given_at:%d %b %Y}"


class ReferralForm(models.Model):
    """The referral form as the school fills it (the commissioning agreement's section 15): Part A before the
    placement is proposed, within a week of the referral; Part B by the first review."""

    class Ethnicity(models.TextChoices):
        WHITE = "white", "White"
        MIXED = "mixed", "Mixed or multiple ethnic groups"
        ASIAN = "asian", "Asian or Asian British"
        BLACK = "black", "Black, African, Caribbean or Black British"
        OTHER = "other", "Another ethnic group"
        NOT_SAID = "not_said", "Prefer not to say"

    class Disability(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_SAID = "not_said", "Prefer not to say"

    class Safeguarding(models.TextChoices):
        NONE = "none", "None"
        CHILD_IN_NEED = "cin", "Child in need (section 17)"
        CHILD_PROTECTION = "cp", "Child protection (section 47)"
        LOOKED_AFTER = "lac", "Looked after"
        PRIVATE_FOSTERING = "private_fostering", "Private fostering"

    RISK_INDICATORS = [
        ("exclusion", "Suspended or at risk of permanent exclusion"),
        ("cme", "Missing education or persistently absent"),
        ("exploitation", "At risk of criminal or sexual exploitation"),
        ("substances", "Substance misuse"),
        ("self_harm", "Self-harm or mental health concerns"),
        ("violence", "Violence or carrying weapons"),
        ("yos", "Known to the youth offending service"),
        ("neet", "At risk of becoming NEET"),
    ]
    PART_A_FIELDS = (
        "ethnicity",
        "religion",
        "disability",
        "looked_after_details",
        "safeguarding_category",
        "other_agencies",
        "attendance_last_year",
        "attendance_two_years_ago",
        "attendance_factors",
        "interventions_tried",
    )
    PART_B_FIELDS = (
        "current_attainment",
        "target_attainment",
        "behaviour_summary",
        "risk_indicators",
        "intervention_impact",
    )

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.OneToOneField(Placement, on_delete=models.CASCADE, related_name="referral_form")
    # Part A: who the pupil is, their safeguarding picture, attendance and what the school has tried.
    ethnicity = models.CharField(max_length=10, choices=Ethnicity.choices, blank=True)
    religion = models.CharField(max_length=100, blank=True, help_text='Optional; or "Prefer not to say".')
    disability = models.CharField(max_length=10, choices=Disability.choices, blank=True)
    looked_after_details = models.TextField(
        "looked-after details (placing authority, social worker)", blank=True
    )
    safeguarding_category = models.CharField(
        "child protection or child in need", max_length=20, choices=Safeguarding.choices, blank=True
    )
    other_agencies = models.TextField("other agencies involved", blank=True)
    attendance_last_year = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    attendance_two_years_ago = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    attendance_factors = models.TextField("what affects attendance", blank=True)
    interventions_tried = models.TextField("what the school tried before referral", blank=True)
    part_a_completed_at = models.DateTimeField(null=True, blank=True)
    # Part B: attainment, the behaviour picture and risks, and the impact of what was tried.
    current_attainment = models.TextField(blank=True)
    target_attainment = models.TextField(blank=True)
    behaviour_summary = models.TextField("the behaviour picture", blank=True)
    risk_indicators = models.JSONField(default=list, blank=True)
    intervention_impact = models.TextField("the impact of what was tried", blank=True)
    part_b_completed_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = scoped_manager(ViaPlacementQuerySet)
    history = HistoricalRecords()

    def __str__(self):
        return f"Referral form for {self.placement}"


class RetentionReview(models.Model):
    """What the retention job found due for deletion in one trust, waiting for a trust admin to confirm.

    Nothing is deleted until someone confirms; the deletion re-checks every record, so only what is still due
    goes. Once done, the row is the lasting record of the deletion: who confirmed, when, and how many of
    each kind went. It holds record ids, never names (and the ids point at nothing once deleted)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed: deleting"
        DONE = "done", "Deleted"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(help_text="When the job last worked out what is due.")
    # {"pupils": [ids]}: the pupils due at the last check.
    due = models.JSONField(default=dict)
    # Access-log rows older than this are due (the cutoff of the last check, never moved by the deletion).
    access_log_before = models.DateTimeField(null=True, blank=True)
    # How many records of each kind were due: pupils, placements, concerns, attachments, access-log rows...
    counts = models.JSONField(default=dict)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by_name = models.CharField(max_length=200, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # How many of each kind the deletion removed, and how many it kept because they were no longer due.
    deleted = models.JSONField(default=dict)

    objects = scoped_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust"], condition=Q(status="pending"), name="retention_review_one_pending"
            )
        ]

    def __str__(self):
        return f"Retention review {self.pk} ({self.get_status_display()})"


class BehaviourConcern(models.Model):
    """A placement "causing concern": marked by the school (the AP lead or the head) or raised by the
    provider's staff from their own account, cleared by the school alone, with a note. While one is open the
    provider is asked for a weekly behaviour and attitude update (``placements.behaviour``)."""

    class Side(models.TextChoices):
        SCHOOL = "school", "The school"
        PROVIDER = "provider", "The provider"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="behaviour_concerns")
    raised_by_side = models.CharField(max_length=10, choices=Side.choices)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField()
    reason = models.TextField("why the placement is causing concern")
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cleared_note = models.TextField(blank=True)

    objects = scoped_manager(ViaPlacementQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement"], condition=Q(cleared_at__isnull=True), name="one_open_behaviour_concern"
            ),
            models.CheckConstraint(
                condition=Q(cleared_at__isnull=True) | ~Q(cleared_note=""),
                name="behaviour_concern_cleared_note",
            ),
        ]

    def __str__(self):
        return f"Causing concern since {self.raised_at:%d %b %Y}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None


class BehaviourUpdate(models.Model):
    """The provider's weekly behaviour and attitude update while a placement is causing concern. Attendance
    is counted from the registers for the week and the week's incidents are listed as they stood when it was
    written; the text is the provider's."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="behaviour_updates")
    concern = models.ForeignKey(BehaviourConcern, on_delete=models.CASCADE, related_name="updates")
    week_starting = models.DateField("week beginning (Monday)")
    sessions_possible = models.PositiveIntegerField(null=True, blank=True)
    sessions_attended = models.PositiveIntegerField(null=True, blank=True)
    incidents = models.JSONField(default=list, blank=True)
    behaviour = models.TextField()
    attitude = models.TextField("attitude to learning")
    next_steps = models.TextField(blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(ViaPlacementQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-week_starting", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "week_starting"], name="behaviour_update_once_a_week")
        ]

    def __str__(self):
        return f"Behaviour update for the week of {self.week_starting:%d %b %Y}"

    @property
    def attendance_percent(self):
        if not self.sessions_possible:
            return None
        return (Decimal(100) * self.sessions_attended / self.sessions_possible).quantize(Decimal("0.1"))
