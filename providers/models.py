from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from trusts.models import Trust, scoped_manager
from trusts.roles import Role


class ProviderQuerySet(models.QuerySet):
    def visible_to(self, membership):
        if membership.role == Role.PROVIDER_STAFF:
            return self.filter(pk=membership.provider_id)
        # The provider register is trust-wide: every school-side role may see it.
        return self


class Provider(models.Model):
    """An alternative provision setting on the trust's register. Each trust vets a provider for itself, so the
    same real organisation has one row per trust that uses it."""

    class RegistrationStatus(models.TextChoices):
        INDEPENDENT_SCHOOL = "independent_school", "Registered independent school"
        STATE_SCHOOL = "state_school", "Academy, maintained school or PRU"
        UNREGISTERED = "unregistered", "Unregistered (non-school AP)"

    class RiskLevel(models.TextChoices):
        LOWER = "lower", "Lower risk"
        HIGHER = "higher", "Higher risk (workshop, machinery, construction, vehicles, animals)"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for approval"
        APPROVED = "approved", "Approved"
        APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
        REJECTED = "rejected", "Rejected"
        SUSPENDED = "suspended", "Suspended"
        LAPSED = "lapsed", "Lapsed"

    APPROVED_STATUSES = (Status.APPROVED, Status.APPROVED_WITH_CONDITIONS)

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="providers")
    legal_name = models.CharField(max_length=200)
    trading_name = models.CharField(max_length=200, blank=True)
    address = models.TextField()
    postcode = models.CharField(max_length=10)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    # Who schools talk to, and who leads on safeguarding.
    contact_name = models.CharField("named contact for schools", max_length=120)
    contact_email = models.EmailField("contact email")
    contact_phone = models.CharField("contact phone", max_length=40, blank=True)
    dsl_name = models.CharField("designated safeguarding lead", max_length=120, blank=True)
    dsl_email = models.EmailField("DSL email", blank=True)
    dsl_phone = models.CharField("DSL phone", max_length=40, blank=True)
    deputy_dsl_name = models.CharField("deputy DSL", max_length=120, blank=True)
    deputy_dsl_phone = models.CharField("deputy DSL phone", max_length=40, blank=True)
    # Registration and listing.
    registration_status = models.CharField(max_length=30, choices=RegistrationStatus.choices)
    urn = models.CharField(
        "URN", max_length=8, blank=True, validators=[RegexValidator(r"^\d{6,8}$", "A URN is 6 to 8 digits.")]
    )
    ukprn = models.CharField(
        "UKPRN",
        max_length=8,
        blank=True,
        validators=[RegexValidator(r"^1\d{7}$", "A UKPRN is 8 digits starting 1.")],
    )
    la_directory_listed = models.BooleanField("listed in the local authority's AP directory", default=False)
    local_authority = models.CharField(max_length=100, blank=True)
    # Environment and offer.
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOWER)
    risk_categories = models.JSONField(
        default=list, blank=True, help_text="Codes of the higher-risk activities."
    )
    offer_summary = models.TextField("courses and qualifications", blank=True)
    days_and_hours = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(null=True, blank=True)
    cost_per_session = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    cost_per_day = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    provides_transport = models.BooleanField(default=False)
    # Approval (the workflow in providers.services moves these; nothing else writes them).
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.DRAFT)
    approved_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(ProviderQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(fields=["trust", "legal_name"], name="provider_name_unique_in_trust"),
        ]

    def __str__(self):
        return self.trading_name or self.legal_name

    @property
    def is_registered_school(self) -> bool:
        return self.registration_status != self.RegistrationStatus.UNREGISTERED

    def is_approved_on(self, day) -> bool:
        """Approved, and the approval runs at least to ``day``."""
        return (
            self.status in self.APPROVED_STATUSES
            and self.approved_until is not None
            and self.approved_until >= day
        )
