import os
import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from simple_history.models import HistoricalRecords

from providers import vetting_data
from trusts.models import Trust, scoped_manager
from trusts.roles import Role

# The shape of every UK postcode (outward code, a space, inward code), plus the one special case GIR 0AA.
UK_POSTCODE_RE = re.compile(r"^(GIR 0AA|[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2})$")
POSTCODE_MESSAGE = "Enter a UK postcode, for example LS1 4AP."


def normalise_postcode(value: str) -> str:
    """Upper case, with one space before the last three characters ("ls14ap" becomes "LS1 4AP")."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def is_uk_postcode(value: str) -> bool:
    return bool(UK_POSTCODE_RE.match(normalise_postcode(value)))


YEAR_GROUPS = [("R", "Reception")] + [(str(n), f"Year {n}") for n in range(1, 15)]


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
    # Opening hours on a school day: a new placement's timetable starts from them.
    opens_at = models.TimeField("opens at", null=True, blank=True)
    closes_at = models.TimeField("closes at", null=True, blank=True)
    # The year groups the provider takes (empty: not recorded). A placement outside them needs a reason.
    year_groups = models.JSONField(default=list, blank=True, help_text="Codes of the year groups taken.")
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

    def clean(self):
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": "The provider must close after it opens."})
        codes = {c for c, _ in YEAR_GROUPS}
        if not isinstance(self.year_groups, list) or not set(self.year_groups) <= codes:
            raise ValidationError({"year_groups": "Choose year groups from Reception to Year 14."})
        if self.postcode:
            self.postcode = normalise_postcode(self.postcode)
            if not UK_POSTCODE_RE.match(self.postcode):
                raise ValidationError({"postcode": POSTCODE_MESSAGE})

    @property
    def is_registered_school(self) -> bool:
        return self.registration_status != self.RegistrationStatus.UNREGISTERED

    @property
    def year_groups_label(self) -> str:
        """ "Year 7 to Year 11" for a run of year groups, a list otherwise; "" where none are recorded."""
        order = [code for code, _ in YEAR_GROUPS]
        codes = [code for code in order if code in (self.year_groups or [])]
        if not codes:
            return ""
        labels = dict(YEAR_GROUPS)
        if len(codes) > 2 and order.index(codes[-1]) - order.index(codes[0]) == len(codes) - 1:
            return f"{labels[codes[0]]} to {labels[codes[-1]]}"
        return ", ".join(labels[c] for c in codes)

    def takes_year_group(self, year_group: str) -> bool:
        """Whether the provider takes pupils of ``year_group`` (True where its year groups are not recorded)."""
        return not self.year_groups or year_group in self.year_groups

    def is_approved_on(self, day) -> bool:
        """Approved, and the approval runs at least to ``day``."""
        return (
            self.status in self.APPROVED_STATUSES
            and self.approved_until is not None
            and self.approved_until >= day
        )


# --- Evidence -------------------------------------------------------------------------------------------


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Uploaded evidence lives under PRIVATE_MEDIA_ROOT, never under the static root, and has no public URL:
    the only way out is a view that checks who is asking. The root is read on every use so that a test can
    point it at a temporary folder."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a view that checks permission.")


private_storage = PrivateStorage()


def get_private_storage():
    return private_storage


def evidence_upload_to(instance, filename):
    # The stored name never comes from the uploader: a generated name with the extension of the detected type.
    ext = os.path.splitext(filename)[1].lower()
    return f"evidence/{instance.trust_id}/{uuid.uuid4().hex}{ext}"


EVIDENCE_TYPE_CHOICES = [(t["code"], t["label"]) for t in vetting_data.EVIDENCE_TYPES]
EVIDENCE_TYPES_BY_CODE = {t["code"]: t for t in vetting_data.EVIDENCE_TYPES}


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, membership):
        if membership.role == Role.PROVIDER_STAFF:
            return self.filter(provider_id=membership.provider_id)
        return self

    def verified(self):
        return self.filter(status=Evidence.Status.VERIFIED)

    def in_date_on(self, day):
        return self.filter(issue_date__lte=day).filter(Q(expiry_date__isnull=True) | Q(expiry_date__gte=day))


class Evidence(models.Model):
    """One document a provider has given the trust: a policy, a certificate, an assurance letter."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the trust to verify"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Not accepted"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="evidence")
    evidence_type = models.CharField(max_length=60, choices=EVIDENCE_TYPE_CHOICES)
    title = models.CharField(max_length=200, blank=True, help_text="Optional: what the document says it is.")
    issue_date = models.DateField("issued or adopted on")
    expiry_date = models.DateField("expires or due for review on", null=True, blank=True)
    insured_amount = models.DecimalField(
        "amount insured (£)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    file = models.FileField(upload_to=evidence_upload_to, storage=get_private_storage, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    status_reason = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager(EvidenceQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["evidence_type", "-issue_date", "-id"]
        verbose_name_plural = "evidence"
        indexes = [models.Index(fields=["trust", "expiry_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expiry_date__isnull=True) | Q(expiry_date__gt=models.F("issue_date")),
                name="evidence_expiry_after_issue",
            ),
        ]

    def __str__(self):
        return self.title or self.type_label

    @property
    def type_info(self) -> dict:
        return EVIDENCE_TYPES_BY_CODE.get(self.evidence_type, {})

    @property
    def type_label(self) -> str:
        return self.type_info.get("label", self.evidence_type)

    @property
    def insurance_kind(self):
        return self.type_info.get("insurance_kind")

    def is_in_date_on(self, day) -> bool:
        return self.issue_date <= day and (self.expiry_date is None or self.expiry_date >= day)


# --- Vetting checklist ----------------------------------------------------------------------------------


class VettingRecordQuerySet(models.QuerySet):
    """The trust's own vetting records (checklists, decisions): every school-side role may read them; a
    provider's staff see their profile and evidence, not how the trust judged them."""

    def visible_to(self, membership):
        if membership.role == Role.PROVIDER_STAFF:
            return self.none()
        return self


class ChecklistTemplate(models.Model):
    """A version of the trust's vetting checklist. Adapting it makes a new version; provider checklists
    keep the version they were answered on."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField("what changed", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["trust", "version"], name="checklist_template_version_unique"),
            models.UniqueConstraint(
                fields=["trust"], condition=Q(is_current=True), name="checklist_template_one_current"
            ),
        ]

    def __str__(self):
        return f"{self.name} (version {self.version})"


class ChecklistSection(models.Model):
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="sections")
    code = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField()

    objects = scoped_manager()

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="checklist_section_unique"),
        ]

    def __str__(self):
        return self.title


class ChecklistItem(models.Model):
    class AppliesTo(models.TextChoices):
        ALL = "all", "Every provider"
        HIGHER_RISK = "higher_risk", "Higher-risk environments"
        LOWER_RISK = "lower_risk", "Lower-risk environments"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(ChecklistSection, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(max_length=60)
    text = models.TextField()
    guidance = models.TextField(blank=True)
    applies_to = models.CharField(max_length=12, choices=AppliesTo.choices, default=AppliesTo.ALL)
    evidence_types = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField()

    objects = scoped_manager()

    class Meta:
        ordering = ["section__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="checklist_item_unique"),
        ]

    def __str__(self):
        return self.text[:80]

    def applies_to_provider(self, provider) -> bool:
        if self.applies_to == self.AppliesTo.ALL:
            return True
        if provider.risk_level == Provider.RiskLevel.HIGHER:
            return self.applies_to == self.AppliesTo.HIGHER_RISK
        return self.applies_to == self.AppliesTo.LOWER_RISK


class ProviderChecklist(models.Model):
    """A provider's vetting checklist, answered against one template version."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="checklists")
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(VettingRecordQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "template"], name="provider_checklist_unique"),
        ]

    def __str__(self):
        return f"Vetting checklist for {self.provider} ({self.template})"


class ChecklistAnswer(models.Model):
    class Answer(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_APPLICABLE = "na", "Not applicable"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    checklist = models.ForeignKey(ProviderChecklist, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=3, choices=Answer.choices, blank=True)
    comment = models.TextField(blank=True)
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="checklist_answers")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager(VettingRecordQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["item__section__order", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "item"], name="checklist_answer_unique"),
        ]

    def __str__(self):
        return f"{self.item.code}: {self.get_answer_display() or 'not answered'}"


# --- Approval -------------------------------------------------------------------------------------------


class ApprovalEvent(models.Model):
    """One step of a provider's approval history. Written by the workflow services only, never edited."""

    SYSTEM = "system"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="approval_events")
    from_status = models.CharField(max_length=30, choices=Provider.Status.choices)
    to_status = models.CharField(max_length=30, choices=Provider.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text as well, so the history still says who it was if the account goes; "system" for jobs.
    actor_label = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    reason = models.TextField(blank=True)
    approved_until = models.DateField(null=True, blank=True)

    objects = scoped_manager(VettingRecordQuerySet)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()} by {self.actor_label}"


class ApprovalCondition(models.Model):
    """Something the provider must do by a date, set when it is approved with conditions."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="conditions")
    event = models.ForeignKey(
        ApprovalEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="conditions"
    )
    text = models.CharField(max_length=500)
    due_date = models.DateField()
    met_at = models.DateTimeField(null=True, blank=True)
    met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(VettingRecordQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["met_at", "due_date", "id"]

    def __str__(self):
        return self.text

    def is_overdue_on(self, day) -> bool:
        return self.met_at is None and self.due_date < day
