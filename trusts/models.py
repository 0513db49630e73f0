from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from trusts.roles import SCHOOL_BOUND_ROLES, SCHOOL_OPTIONAL_ROLES, TWO_FACTOR_ROLES, Role


def scoped_manager(queryset_class=models.QuerySet):
    """The manager every tenant-owned model uses: queries outside a trust scope raise ScopeError."""
    return ScopedManager(trust="trust", _manager_class=models.Manager.from_queryset(queryset_class))


class Trust(models.Model):
    """The tenant: an academy trust (a multi-academy trust, or a single-academy trust)."""

    class Kind(models.TextChoices):
        MAT = "mat", "Multi-academy trust"
        SAT = "sat", "Single-academy trust"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=3, choices=Kind.choices, default=Kind.MAT)
    companies_house_number = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SchoolQuerySet(models.QuerySet):
    def visible_to(self, membership):
        if membership.school_id is not None:
            return self.filter(pk=membership.school_id)
        if membership.role == Role.PROVIDER_STAFF:
            return self.none()
        return self


urn_validator = RegexValidator(r"^\d{6}$", "A URN is six digits, for example 138042.")


class School(models.Model):
    class Phase(models.TextChoices):
        PRIMARY = "primary", "Primary"
        SECONDARY = "secondary", "Secondary"
        ALL_THROUGH = "all_through", "All-through"
        SPECIAL = "special", "Special"
        PRU = "pru", "Pupil referral unit / AP academy"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="schools")
    name = models.CharField(max_length=200)
    urn = models.CharField("URN", max_length=6, validators=[urn_validator])
    phase = models.CharField(max_length=20, choices=Phase.choices)
    local_authority = models.CharField(max_length=100)
    address = models.TextField(blank=True)
    # Full-time weekly hours of education at the school, to judge a pupil's total weekly education.
    weekly_hours = models.DecimalField(
        max_digits=4, decimal_places=1, default=Decimal("32.5"), validators=[MinValueValidator(0)]
    )

    objects = scoped_manager(SchoolQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["urn"], name="school_urn_unique"),
            models.UniqueConstraint(fields=["trust", "name"], name="school_name_unique_in_trust"),
        ]

    def __str__(self):
        return self.name


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, user__is_active=True)

    def visible_to(self, membership):
        """The memberships a person may see on the people pages: a trust admin the whole trust, a school-bound
        person their school's people, anyone else only themselves."""
        if membership.role == Role.TRUST_ADMIN and membership.school_id is None:
            return self
        if membership.school_id is not None:
            return self.filter(school_id=membership.school_id)
        return self.filter(pk=membership.pk)


class Membership(models.Model):
    """A person's role in one trust; a person may hold memberships in several trusts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    # Provider staff only: the provider they work for (the provider is on this trust's register). The one
    # place the ground floor points up a layer, by model label and never by import: a membership row is the
    # unit of tenancy for every role, and the provider it names is all a provider-staff member may reach.
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    job_title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # Provider staff only: whether this person has the provider's authority to sign agreements for it.
    may_sign_agreements = models.BooleanField("may sign agreements for the provider", default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Suspended: access paused (is_active false) and may be given back; removed (ended) is final.
    suspended_at = models.DateTimeField(null=True, blank=True)
    # The alert kinds this person chose not to get by email here (they still reach the inbox). Kinds the trust
    # policy requires are emailed regardless. Kept on the membership, so resolving who is told reads it free.
    alert_emails_off = models.JSONField(default=list, blank=True)
    # When access was removed and by whom (the membership row stays, so the history of who had access does).
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = scoped_manager(MembershipQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["trust__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "trust", "role", "school"],
                name="membership_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=~Q(role__in=sorted(SCHOOL_BOUND_ROLES)) | Q(school__isnull=False),
                name="membership_school_bound_roles_have_school",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=[Role.TRUST_ADMIN, Role.PROVIDER_STAFF]) | Q(school__isnull=True),
                name="membership_trust_wide_roles_have_no_school",
            ),
            models.CheckConstraint(
                condition=(Q(role=Role.PROVIDER_STAFF) & Q(provider__isnull=False))
                | (~Q(role=Role.PROVIDER_STAFF) & Q(provider__isnull=True)),
                name="membership_provider_staff_have_provider",
            ),
        ]

    def __str__(self):
        if self.provider_id:
            where = str(self.provider)
        else:
            where = self.school.name if self.school_id else self.trust.name
        return f"{self.get_role_display()}, {where}"

    def clean(self):
        if self.role in SCHOOL_BOUND_ROLES and not self.school_id:
            raise ValidationError({"school": "This role belongs to one school: choose it."})
        if self.role not in SCHOOL_BOUND_ROLES | SCHOOL_OPTIONAL_ROLES and self.school_id:
            raise ValidationError({"school": "This role covers the whole trust: leave the school empty."})
        if self.school_id and self.trust_id and self.school.trust_id != self.trust_id:
            raise ValidationError({"school": "That school is not in this trust."})
        if (self.role == Role.PROVIDER_STAFF) != bool(self.provider_id):
            raise ValidationError(
                {"provider": "Provider staff, and only provider staff, work for a provider."}
            )
        if self.provider_id and self.trust_id and self.provider.trust_id != self.trust_id:
            raise ValidationError({"provider": "That provider is not on this trust's register."})

    @property
    def needs_two_factor(self):
        return self.role in TWO_FACTOR_ROLES

    @property
    def status(self) -> str:
        if self.ended_at is not None:
            return "removed"
        if not self.is_active:
            return "suspended"
        return "active"

    @property
    def is_trust_wide(self):
        return self.school_id is None and self.role != Role.PROVIDER_STAFF

    @property
    def is_school_bound(self):
        return self.school_id is not None


# Limits a trust's policy may tighten but never loosen.
# DfE: an unregistered setting may not educate full-time (more than 18 hours a week) 5 or more pupils.
STATUTORY_FULL_TIME_HOURS = Decimal("18.0")
STATUTORY_REGISTRATION_LIMIT = 5
# School Attendance (Pupil Registration) (England) Regulations 2024: a register stays open at most 30 minutes.
STATUTORY_REGISTER_OPEN_MINUTES = 30
# Reviews at least half-termly; the longest half-term is about eight weeks.
LONGEST_REVIEW_INTERVAL_WEEKS = 8
# Ten school days of continuous absence must be raised as a possible child missing education.
LONGEST_ABSENCE_RUN_SESSIONS = 20
# An absence is followed up the same day.
LONGEST_FOLLOW_UP_WINDOW_MINUTES = 6 * 60
# Part-time timetables are short and reviewed.
LONGEST_PART_TIME_REVIEW_WEEKS = 12
# DESIGN.md: three behaviour incidents call an emergency review.
MOST_INCIDENTS_BEFORE_EMERGENCY_REVIEW = 3
# A safeguarding concern goes to the DSL at once; one nobody has picked up within the hour is escalated at the
# latest.
LONGEST_CONCERN_ESCALATION_MINUTES = 60
# Retention (UK GDPR storage limitation, with the IRMS Academies Toolkit's schedule): a pupil's educational
# record is kept by the school until the pupil's 25th birthday, and child protection records at least as
# long (KCSIE: the file follows the child; the last setting keeps it to 25). Nobody may set them shorter;
# longer is allowed (a trust may keep SEND files to 31, or hold records under an inquiry's moratorium).
SHORTEST_PUPIL_RETENTION_BIRTHDAY = 25
LONGEST_PUPIL_RETENTION_BIRTHDAY = 40
LONGEST_SAFEGUARDING_RETENTION_BIRTHDAY = 75
# The access log answers "who saw this child's record" in a complaint, a subject access request or a
# safeguarding review, which can come a school year or more after the views; two years by default, one at
# least, seven at most.
SHORTEST_ACCESS_LOG_MONTHS = 12
LONGEST_ACCESS_LOG_MONTHS = 84


def default_required_alert_kinds() -> list[str]:
    """Safeguarding alerts (the urgent kinds of trusts.recipients.ALERTS) are emailed to everyone they reach."""
    from trusts.recipients import ALERTS

    return sorted(kind for kind, spec in ALERTS.items() if spec.urgent)


def default_school_signatory_roles() -> list[str]:
    return ["headteacher"]


# The roles a trust may let sign agreements for a school, beside the headteacher.
SCHOOL_SIGNATORY_ROLE_CHOICES = [("headteacher", "Headteacher"), ("ap_lead", "AP lead")]


class TrustPolicy(models.Model):
    """The thresholds a trust may set for itself. Defaults follow statutory guidance and DESIGN.md section 2;
    ``clean`` refuses values looser than the law or the guidance allows."""

    class VisitFrequency(models.TextChoices):
        TERMLY = "termly", "Once a term"
        HALF_TERMLY = "half_termly", "Once a half-term"
        MONTHLY = "monthly", "Monthly"

    trust = models.OneToOneField(Trust, on_delete=models.CASCADE, related_name="policy")

    # Providers and vetting
    full_time_hours_threshold = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("18.0"),
        help_text="Education for more than this many hours a week in the daytime counts as full-time.",
    )
    registration_pupil_limit = models.PositiveSmallIntegerField(
        default=5, help_text="Full-time pupils at which an unregistered setting must register as a school."
    )
    registration_warning_margin = models.PositiveSmallIntegerField(
        default=1, help_text="Flag an unregistered provider this many pupils below the limit."
    )
    min_public_liability = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("5000000"))
    min_employers_liability = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("10000000")
    )
    min_professional_negligence = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("2000000")
    )
    min_motor = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Only where the provider transports pupils.",
    )
    evidence_expiry_warning_days = models.PositiveSmallIntegerField(default=30)

    # Placements
    review_interval_weeks = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1)], help_text="At least half-termly."
    )
    parent_review_termly = models.BooleanField(default=True)
    emergency_review_incident_count = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1)]
    )
    emergency_review_window_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1)],
        help_text="Incidents within this many days of each other count towards one emergency review.",
    )
    part_time_review_weeks = models.PositiveSmallIntegerField(default=6, validators=[MinValueValidator(1)])
    sla_unsigned_warning_days = models.PositiveSmallIntegerField(default=10)
    review_due_warning_days = models.PositiveSmallIntegerField(default=7)
    school_signatory_roles = models.JSONField(
        default=default_school_signatory_roles,
        help_text="The roles that may sign an agreement for the school: the headteacher, and any the trust adds.",
    )
    provider_report_overdue_days = models.PositiveSmallIntegerField(
        default=5, help_text="Days after a half-term ends by which the provider's progress report is chased."
    )

    # Attendance
    register_mark_deadline_minutes = models.PositiveSmallIntegerField(
        default=30, help_text="Minutes after a session starts by which the provider must mark the register."
    )
    absence_followup_window_minutes = models.PositiveSmallIntegerField(
        default=60, help_text="Minutes after an absence by which the school must record a follow-up."
    )
    consecutive_absence_sessions = models.PositiveSmallIntegerField(
        default=6, help_text="Consecutive absent sessions that raise a possible child missing education."
    )

    # Safeguarding
    concern_escalation_minutes = models.PositiveSmallIntegerField(
        default=15,
        help_text="Minutes after which a safeguarding concern nobody has acknowledged goes to the head and the "
        "trust's DSLs.",
    )

    # Quality assurance
    qa_visit_frequency = models.CharField(max_length=20, choices=VisitFrequency.choices, default="termly")
    qa_visit_frequency_unregistered = models.CharField(
        max_length=20, choices=VisitFrequency.choices, default="half_termly"
    )
    qa_visit_session_limit = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Visit after this many sessions at a provider, if sooner. Empty: off.",
    )
    qa_visit_reminder_days = models.PositiveSmallIntegerField(
        default=7, help_text="Remind the visitor this many days before a planned visit."
    )
    qa_action_grace_days = models.PositiveSmallIntegerField(
        default=14,
        help_text="Days an improvement action may run past its due date before the trust admin is asked to decide.",
    )

    # Retention: what is due for deletion (a trust admin confirms each deletion; placements.retention)
    pupil_retention_birthday = models.PositiveSmallIntegerField(
        default=25, help_text="A pupil's records are kept until this birthday (25 at least)."
    )
    safeguarding_retention_birthday = models.PositiveSmallIntegerField(
        default=25,
        help_text="Safeguarding records (concerns, their actions and attachments) are kept until this birthday: "
        "never before the pupil's records, and never while a concern is open.",
    )
    access_log_retention_months = models.PositiveSmallIntegerField(
        default=24, help_text="Rows of the access log are kept this many months (12 to 84)."
    )

    # Reports
    report_small_number_threshold = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(2)],
        help_text="Counts below this are shown as 'fewer than N' in anonymised reports.",
    )

    # Notifications: the alert kinds everyone they reach gets by email, whatever their own choice.
    required_alert_kinds = models.JSONField(default=default_required_alert_kinds, blank=True)

    objects = scoped_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "trust policies"

    def __str__(self):
        return f"Policy of {self.trust}"

    def clean(self):
        errors = {}

        def check(field, ok, message):
            value = getattr(self, field)
            if value is not None and not ok(value):
                errors[field] = message

        check(
            "full_time_hours_threshold",
            lambda v: 0 < v <= STATUTORY_FULL_TIME_HOURS,
            "The law counts more than 18 hours a week as full-time: use 18 or fewer hours.",
        )
        check(
            "registration_pupil_limit",
            lambda v: 1 <= v <= STATUTORY_REGISTRATION_LIMIT,
            "The law requires registration at 5 full-time pupils: use a limit from 1 to 5.",
        )
        check(
            "register_mark_deadline_minutes",
            lambda v: 1 <= v <= STATUTORY_REGISTER_OPEN_MINUTES,
            "Registers may stay open at most 30 minutes: use 1 to 30 minutes.",
        )
        check(
            "review_interval_weeks",
            lambda v: 1 <= v <= LONGEST_REVIEW_INTERVAL_WEEKS,
            "Placements are reviewed at least half-termly: use at most 8 weeks.",
        )
        check(
            "consecutive_absence_sessions",
            lambda v: 2 <= v <= LONGEST_ABSENCE_RUN_SESSIONS,
            "Ten school days (20 sessions) of absence must be raised at the latest: use 2 to 20 sessions.",
        )
        check(
            "absence_followup_window_minutes",
            lambda v: 5 <= v <= LONGEST_FOLLOW_UP_WINDOW_MINUTES,
            "Absences are followed up the same day: use 5 to 360 minutes.",
        )
        check(
            "part_time_review_weeks",
            lambda v: 1 <= v <= LONGEST_PART_TIME_REVIEW_WEEKS,
            "Part-time timetables are reviewed within 12 weeks at the latest.",
        )
        check(
            "emergency_review_incident_count",
            lambda v: 1 <= v <= MOST_INCIDENTS_BEFORE_EMERGENCY_REVIEW,
            "Three incidents call an emergency review at the latest: use 1 to 3.",
        )
        check(
            "concern_escalation_minutes",
            lambda v: 1 <= v <= LONGEST_CONCERN_ESCALATION_MINUTES,
            "An unacknowledged safeguarding concern is escalated within the hour: use 1 to 60 minutes.",
        )
        check(
            "emergency_review_window_days",
            lambda v: 1 <= v <= 366,
            "Count incidents within 1 to 366 days of each other.",
        )
        check(
            "pupil_retention_birthday",
            lambda v: SHORTEST_PUPIL_RETENTION_BIRTHDAY <= v <= LONGEST_PUPIL_RETENTION_BIRTHDAY,
            "Pupils' records are kept until their 25th birthday at least: use 25 to 40.",
        )
        check(
            "safeguarding_retention_birthday",
            lambda v: SHORTEST_PUPIL_RETENTION_BIRTHDAY <= v <= LONGEST_SAFEGUARDING_RETENTION_BIRTHDAY,
            "Safeguarding records are kept until the 25th birthday at least: use 25 to 75.",
        )
        if (
            "safeguarding_retention_birthday" not in errors
            and self.safeguarding_retention_birthday is not None
            and self.pupil_retention_birthday is not None
            and self.safeguarding_retention_birthday < self.pupil_retention_birthday
        ):
            errors["safeguarding_retention_birthday"] = (
                "Safeguarding records are kept at least as long as the pupil's other records."
            )
        check(
            "access_log_retention_months",
            lambda v: SHORTEST_ACCESS_LOG_MONTHS <= v <= LONGEST_ACCESS_LOG_MONTHS,
            "Keep the access log 12 to 84 months.",
        )
        roles = self.school_signatory_roles
        allowed = {code for code, _ in SCHOOL_SIGNATORY_ROLE_CHOICES}
        if not isinstance(roles, list) or not roles or not set(roles) <= allowed:
            errors["school_signatory_roles"] = (
                "Choose who signs for the school: the headteacher, the AP lead or both."
            )
        if (
            self.registration_warning_margin is not None
            and self.registration_pupil_limit is not None
            and self.registration_warning_margin >= self.registration_pupil_limit
        ):
            errors.setdefault(
                "registration_warning_margin", "The warning margin must be smaller than the limit."
            )
        for field in (
            "min_public_liability",
            "min_employers_liability",
            "min_professional_negligence",
            "min_motor",
        ):
            check(field, lambda v: v >= 0, "An insurance minimum cannot be negative.")
        if errors:
            raise ValidationError(errors)

    def minimum_insurance(self, kind: str):
        return {
            "public_liability": self.min_public_liability,
            "employers_liability": self.min_employers_liability,
            "professional_negligence": self.min_professional_negligence,
            "motor": self.min_motor,
        }.get(kind)


class AcademicYear(models.Model):
    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="academic_years")
    name = models.CharField(
        max_length=9, validators=[RegexValidator(r"^\d{4}/\d{2}$", "Write it as 2026/27.")]
    )
    start_date = models.DateField()
    end_date = models.DateField()

    objects = scoped_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.UniqueConstraint(fields=["trust", "name"], name="academic_year_unique"),
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")), name="academic_year_order"
            ),
        ]

    def __str__(self):
        return self.name


class Term(models.Model):
    """A term with its half-term break. Teaching days are the weekdays from start to end outside the break."""

    class Name(models.TextChoices):
        AUTUMN = "autumn", "Autumn"
        SPRING = "spring", "Spring"
        SUMMER = "summer", "Summer"

    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="terms")
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="terms")
    # Empty: the trust's dates, for every school without its own. A school with its own terms in a year uses
    # those for the whole year.
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="own_terms"
    )
    name = models.CharField(max_length=10, choices=Name.choices)
    start_date = models.DateField()
    end_date = models.DateField()
    half_term_start = models.DateField(null=True, blank=True)
    half_term_end = models.DateField(null=True, blank=True)

    objects = scoped_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "school", "name"], name="term_unique_in_year", nulls_distinct=False
            ),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="term_order"),
        ]

    def __str__(self):
        return f"{self.get_name_display()} {self.academic_year}"

    def overlaps(self, other) -> bool:
        return self.start_date <= other.end_date and other.start_date <= self.end_date

    def clean(self):
        errors = {}
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            errors["end_date"] = "The term must end after it starts."
        if bool(self.half_term_start) != bool(self.half_term_end):
            errors["half_term_end"] = (
                "Give both the first and the last day of the half-term break, or neither."
            )
        elif (
            self.half_term_start
            and self.start_date
            and self.end_date
            and not (self.start_date < self.half_term_start <= self.half_term_end < self.end_date)
        ):
            errors["half_term_start"] = (
                "The half-term break must fall inside the term, first day before last."
            )
        if errors:
            raise ValidationError(errors)

    def half_terms(self):
        """The two teaching halves as (start, end) pairs; one pair if the term has no break."""
        from datetime import timedelta

        if not self.half_term_start:
            return [(self.start_date, self.end_date)]
        return [
            (self.start_date, self.half_term_start - timedelta(days=1)),
            (self.half_term_end + timedelta(days=1), self.end_date),
        ]


class ClosureDayQuerySet(models.QuerySet):
    def visible_to(self, membership):
        if membership.role == Role.PROVIDER_STAFF:
            return self.none()
        if membership.school_id is not None:
            return self.filter(Q(school__isnull=True) | Q(school_id=membership.school_id))
        return self


class ClosureDay(models.Model):
    """A weekday in term on which a school (or every school of the trust) is closed to pupils."""

    class Kind(models.TextChoices):
        INSET = "inset", "INSET (training) day"
        CLOSURE = "closure", "Closure"

    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="closure_days")
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, help_text="Empty: every school of the trust."
    )
    date = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.INSET)
    reason = models.CharField(max_length=200, blank=True)

    objects = scoped_manager(ClosureDayQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "school", "date"], name="closure_day_unique", nulls_distinct=False
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date:%d %b %Y}"


class AccessLogQuerySet(models.QuerySet):
    def visible_to(self, membership):
        if membership.school_id is not None:
            return self.filter(school_id=membership.school_id)
        return self


class AccessLog(models.Model):
    """Who looked at which pupil's record, when and from where. Written by the app, never edited through it."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150)
    role = models.CharField(max_length=30, choices=Role.choices)
    subject_type = models.CharField(max_length=40)
    subject_id = models.PositiveBigIntegerField()
    subject_label = models.CharField(max_length=200)
    action = models.CharField(max_length=60, default="viewed")
    path = models.CharField(max_length=500)
    ip_address = models.GenericIPAddressField(null=True)
    user_agent = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Repeated views of the same record by the same person within a few minutes are one row: how many, and
    # the last one. Only these two are ever updated (trusts.services.access_log_record).
    views = models.PositiveIntegerField(default=1)
    last_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager(AccessLogQuerySet)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["trust", "subject_type", "subject_id"])]

    def __str__(self):
        return f"{self.username} {self.action} {self.subject_label} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("The access log cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The access log cannot be changed.")


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, membership):
        return self.filter(recipient_id=membership.user_id)

    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one person. The unique key is written before anything is sent, so a retry never doubles."""

    class EmailStatus(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        NOT_NEEDED = "not_needed", "In-app only"

    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(max_length=255, help_text="What makes this notification unique for its recipient.")
    kind = models.CharField(max_length=60)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=12, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    # When a worker last claimed the email: a claim older than CLAIM_EXPIRES means that worker died mid-send.
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager(NotificationQuerySet)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["trust", "recipient", "key"], name="notification_once"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.subject


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, membership):
        if membership.role == Role.TRUST_ADMIN and membership.school_id is None:
            return self
        if membership.school_id is not None:
            return self.filter(school_id=membership.school_id)
        if membership.role == Role.PROVIDER_STAFF:
            # A provider's lead contact sees the staff invitations they asked for.
            return self.filter(provider_id=membership.provider_id, invited_by_id=membership.user_id)
        return self.none()

    def pending(self, now=None):
        """Sent, and not yet used, withdrawn or expired."""
        from django.utils import timezone

        return self.filter(
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            approved_at__isnull=False,
            expires_at__gt=now or timezone.now(),
        )

    def awaiting_approval(self):
        """Asked for by a provider's lead contact, not yet approved (or refused) by the trust."""
        return self.filter(approved_at__isnull=True, revoked_at__isnull=True, accepted_at__isnull=True)


class Invitation(models.Model):
    """An invitation to join a trust in a role. The link carries a random token; only its hash is kept, it
    works once, and not after ``expires_at``."""

    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=30, choices=Role.choices)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    job_title = models.CharField(max_length=120, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Empty while a provider's request for a staff account waits for the trust's approval; the link is sent
    # (and its validity starts) only once approved.
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager(InvitationQuerySet)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Invitation for {self.email} ({self.get_role_display()})"

    @property
    def where(self) -> str:
        if self.provider_id:
            return str(self.provider)
        return self.school.name if self.school_id else self.trust.name

    def state(self, now=None) -> str:
        from django.utils import timezone

        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "withdrawn"
        if self.approved_at is None:
            return "awaiting approval"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return "waiting"


class PersonEventQuerySet(models.QuerySet):
    def visible_to(self, membership):
        if membership.role == Role.TRUST_ADMIN and membership.school_id is None:
            return self
        if membership.school_id is not None:
            return self.filter(school_id=membership.school_id)
        return self.filter(person_id=membership.user_id)


class PersonEvent(models.Model):
    """One change to a person's access in a trust: who did what, and when. Written by the people services,
    never edited."""

    class Action(models.TextChoices):
        INVITED = "invited", "Invited"
        INVITATION_WITHDRAWN = "invitation_withdrawn", "Invitation withdrawn"
        JOINED = "joined", "Accepted the invitation"
        ROLE_CHANGED = "role_changed", "Role changed"
        SUSPENDED = "suspended", "Access suspended"
        REINSTATED = "reinstated", "Access given back"
        REMOVED = "removed", "Access removed"
        TWO_FACTOR_RESET = "two_factor_reset", "Two-factor device reset"
        PASSWORD_CHANGED = "password_changed", "Changed their password"
        TWO_FACTOR_REPLACED = "two_factor_replaced", "Replaced their two-factor device"

    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = scoped_manager(PersonEventQuerySet)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_action_display()}: {self.detail}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("The record of changes to people's access cannot be changed.")
        super().save(*args, **kwargs)
