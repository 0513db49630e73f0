"""The safeguarding concern and the actions a DSL records on it."""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from placements.models import BehaviourIncident, Placement, Pupil
from providers.models import get_private_storage
from trusts.models import School, Trust, scoped_manager
from trusts.permissions import has_perm


def concern_attachment_upload_to(instance, filename):
    # The stored name never comes from the uploader: a generated name with the extension of the detected type.
    ext = os.path.splitext(filename)[1].lower()
    return f"concerns/{instance.trust_id}/{uuid.uuid4().hex}{ext}"


class ConcernQuerySet(models.QuerySet):
    def visible_to(self, membership):
        """DSLs see the concerns of their school (or the trust's); anyone else only those they raised
        themselves, and only while they hold the action to raise them."""
        if membership is None:
            return self.none()
        if has_perm(membership, "concern.read"):
            if membership.school_id is not None:
                return self.filter(school_id=membership.school_id)
            return self
        if not has_perm(membership, "concern.raise"):
            return self.none()
        mine = self.filter(raised_by_id=membership.user_id)
        if membership.provider_id is not None:
            return mine.filter(provider_id=membership.provider_id)
        if membership.school_id is not None:
            return mine.filter(school_id=membership.school_id)
        return mine.filter(provider__isnull=True)

    def open(self):
        return self.exclude(status=SafeguardingConcern.Status.CLOSED)


class SafeguardingConcern(models.Model):
    class Category(models.TextChoices):
        NEGLECT = "neglect", "Neglect"
        PHYSICAL = "physical", "Physical abuse"
        SEXUAL = "sexual", "Sexual abuse"
        EMOTIONAL = "emotional", "Emotional abuse"
        ONLINE = "online", "Online safety"
        EXPLOITATION = "exploitation", "Exploitation (CCE, CSE, county lines)"
        MISSING = "missing", "Missing or absconding"
        SELF_HARM = "self_harm", "Self-harm"
        DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
        RADICALISATION = "radicalisation", "Radicalisation"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        RAISED = "raised", "Raised: waiting for a DSL"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        CLOSED = "closed", "Closed"

    class Outcome(models.TextChoices):
        SOCIAL_CARE = "social_care", "Referred to children's social care"
        POLICE = "police", "Referred to the police"
        LADO = "lado", "Referred to the LADO"
        EARLY_HELP = "early_help", "Early help"
        MONITORING = "monitoring", "Monitoring in school"
        NO_FURTHER_ACTION = "nfa", "No further action"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="concerns")
    # The pupil's school: the DSLs told and the DSLs who see it.
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(
        Placement, null=True, blank=True, on_delete=models.PROTECT, related_name="concerns"
    )
    # Set when provider staff raised it: the provider whose staff may see their own concern.
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_incident = models.OneToOneField(
        BehaviourIncident, null=True, blank=True, on_delete=models.SET_NULL, related_name="concern"
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    account = models.TextField("what was seen or said, in the words used")
    occurred_at = models.DateTimeField("when it happened or was said")
    people_present = models.TextField("who was present", blank=True)
    immediate_action = models.TextField("action taken at once", blank=True)
    attachment = models.FileField(
        upload_to=concern_attachment_upload_to, storage=get_private_storage, max_length=200, blank=True
    )
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RAISED)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_by_name = models.CharField(max_length=200)
    raised_by_role = models.CharField(max_length=120)
    raised_at = models.DateTimeField(db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    outcome_detail = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager(ConcernQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | (~Q(outcome="") & Q(closed_at__isnull=False)),
                name="concern_closed_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(status="raised") | Q(acknowledged_at__isnull=False),
                name="concern_acknowledged_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()} concern about {self.pupil}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class ConcernActionQuerySet(models.QuerySet):
    def visible_to(self, membership):
        return self.filter(concern__in=SafeguardingConcern.objects.visible_to(membership))


class ConcernAction(models.Model):
    """One thing a DSL did about a concern: who, what and when."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    concern = models.ForeignKey(SafeguardingConcern, on_delete=models.CASCADE, related_name="actions")
    taken_at = models.DateTimeField()
    description = models.TextField("what was done")
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    taken_by_name = models.CharField(max_length=200)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(ConcernActionQuerySet)

    class Meta:
        ordering = ["taken_at", "pk"]

    def __str__(self):
        return f"{self.taken_at:%d %b %Y %H:%M}: {self.description[:60]}"


class ProviderBriefQuerySet(models.QuerySet):
    def visible_to(self, membership):
        return self.filter(placement__in=Placement.objects.visible_to(membership))


class ProviderBrief(models.Model):
    """What the provider needs to know to keep the pupil safe, as the school confirmed it shared. Shown to the
    provider's staff only while the placement is agreed or running."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.OneToOneField(Placement, on_delete=models.CASCADE, related_name="brief")
    medical_needs = models.TextField("medical needs", blank=True)
    medication = models.TextField("medication (what, when, who gives it)", blank=True)
    allergies = models.TextField(blank=True)
    send_needs = models.TextField("SEND needs", blank=True)
    strategies = models.TextField("strategies that work", blank=True)
    risk_triggers = models.TextField("risk assessment: triggers and what to do", blank=True)
    emergency_contacts = models.TextField("emergency contacts besides the parents", blank=True)
    may_collect = models.TextField("who may collect the pupil", blank=True)
    may_not_collect = models.TextField("who must not collect the pupil", blank=True)
    dsl_out_of_hours = models.CharField(
        "how to reach the school's DSL out of hours", max_length=300, blank=True
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    shared_by_name = models.CharField(max_length=200, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager(ProviderBriefQuerySet)
    history = HistoricalRecords()

    CONTENT_FIELDS = (
        "medical_needs",
        "medication",
        "allergies",
        "send_needs",
        "strategies",
        "risk_triggers",
        "emergency_contacts",
        "may_collect",
        "may_not_collect",
        "dsl_out_of_hours",
    )

    def __str__(self):
        return f"What {self.placement.provider} needs to know"
