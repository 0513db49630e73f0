"""Quality assurance: the framework a trust visits providers against, the visits, their ratings and checks,
the improvement actions that follow, and the decisions a poor outcome asks of the trust admin."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from providers.models import Provider
from trusts.models import Trust, scoped_manager
from trusts.roles import Role


class ProviderBoundQuerySet(models.QuerySet):
    """QA records belong to a provider: the trust's school-side roles see them all (the provider register is
    trust-wide), a provider's staff only their own provider's."""

    def visible_to(self, membership):
        if membership.role == Role.PROVIDER_STAFF:
            return self.filter(provider_id=membership.provider_id)
        return self


# --- The framework ----------------------------------------------------------------------------------------


class Framework(models.Model):
    """A version of the trust's QA framework: the pre-visit checks, the on-site checks and the standards.
    Adapting it makes a new version; a visit keeps the version it was recorded on."""

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
            models.UniqueConstraint(fields=["trust", "version"], name="qa_framework_version_unique"),
            models.UniqueConstraint(
                fields=["trust"], condition=Q(is_current=True), name="qa_framework_one_current"
            ),
        ]

    def __str__(self):
        return f"{self.name} (version {self.version})"


class Part(models.TextChoices):
    PRE_VISIT = "pre_visit", "Checked before the visit"
    ON_SITE = "on_site", "Checked during the visit"
    STANDARD = "standard", "National standards"


class FrameworkItem(models.Model):
    """One check or one standard of a framework version. ``evidence_types`` ties a pre-visit check to the
    provider's evidence documents, so the check reads them live."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="items")
    part = models.CharField(max_length=10, choices=Part.choices)
    section = models.CharField(max_length=120)
    code = models.CharField(max_length=12)
    text = models.TextField()
    evidence_types = models.JSONField(default=list, blank=True)
    order = models.PositiveSmallIntegerField()

    objects = scoped_manager()

    class Meta:
        ordering = ["framework", "part", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "part", "code"], name="qa_framework_item_unique"),
        ]

    def __str__(self):
        return f"{self.code} {self.text[:60]}"


# --- Visits -----------------------------------------------------------------------------------------------


class Rating(models.TextChoices):
    FULLY = "fully", "Fully"
    PARTIALLY = "partially", "Partially"
    LIMITED = "limited", "Limited evidence"
    NOT_AT_ALL = "not_at_all", "Not at all"


# For the chart of ratings over time: how far a rating goes towards "fully".
RATING_SCORE = {Rating.FULLY: 3, Rating.PARTIALLY: 2, Rating.LIMITED: 1, Rating.NOT_AT_ALL: 0}


class Outcome(models.TextChoices):
    MEETS = "meets", "Meets the standards"
    MEETS_MOST = "meets_most", "Meets most standards, with agreed improvements"
    DOES_NOT_MEET = "does_not_meet", "Does not meet the standards"


class VisitQuerySet(ProviderBoundQuerySet):
    def visible_to(self, membership):
        qs = super().visible_to(membership)
        if membership.role == Role.PROVIDER_STAFF:
            # A provider reads its reports once they are finished, not the visitor's working notes.
            return qs.filter(status=Visit.Status.COMPLETED)
        return qs

    def current(self):
        return self.filter(is_current=True)

    def completed(self):
        return self.filter(status=Visit.Status.COMPLETED)


class Visit(models.Model):
    """One QA visit to a provider. Planned, then recorded (saved part-done as often as needed), then completed,
    which freezes it. A correction is a new version with a reason; the old one is kept as it was."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "Being recorded"
        COMPLETED = "completed", "Completed"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="qa_visits")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="visits")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    planned_for = models.DateField("planned for")
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_visits")
    # What happened: filled in on the day.
    visit_date = models.DateField(null=True, blank=True)
    start_time = models.TimeField(null=True, blank=True)
    location = models.CharField(max_length=300, blank=True)
    other_visitors = models.CharField("other visitors", max_length=300, blank=True)
    met_with = models.CharField("met at the provider", max_length=300, blank=True)
    strengths = models.TextField(blank=True)
    comments = models.TextField("other comments", blank=True)
    outcome = models.CharField(max_length=14, choices=Outcome.choices, blank=True)
    next_visit_date = models.DateField(null=True, blank=True)
    # The pre-visit checks as they stood on the visit date, kept when the visit is completed.
    pre_visit_snapshot = models.JSONField(default=list, blank=True)
    # Versions: a correction copies the visit and replaces it as current when completed.
    version = models.PositiveIntegerField(default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="correction"
    )
    correction_reason = models.TextField(blank=True)
    is_current = models.BooleanField(default=True)
    # Bumped on every save, so two people editing at once cannot overwrite each other unseen.
    revision = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(VisitQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-planned_for", "-pk"]
        indexes = [models.Index(fields=["trust", "provider", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="completed")
                | (Q(visit_date__isnull=False) & Q(completed_at__isnull=False) & ~Q(outcome="")),
                name="qa_visit_completed_has_outcome",
            ),
        ]

    def __str__(self):
        day = self.visit_date or self.planned_for
        return f"QA visit to {self.provider} on {day:%d %b %Y}"

    @property
    def is_frozen(self) -> bool:
        return self.status == self.Status.COMPLETED

    @property
    def day(self):
        return self.visit_date or self.planned_for


class ViaVisitQuerySet(models.QuerySet):
    def visible_to(self, membership):
        return self.filter(visit__in=Visit.objects.visible_to(membership))


class VisitCheck(models.Model):
    """The visitor's answer to one pre-visit or on-site check."""

    class Answer(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_APPLICABLE = "na", "Not applicable"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="checks")
    item = models.ForeignKey(FrameworkItem, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=3, choices=Answer.choices, blank=True)
    seen = models.TextField("what was seen", blank=True)
    follow_up = models.TextField("actions or recommendations", blank=True)

    objects = scoped_manager(ViaVisitQuerySet)

    class Meta:
        ordering = ["item__part", "item__order"]
        constraints = [models.UniqueConstraint(fields=["visit", "item"], name="qa_visit_check_unique")]

    def __str__(self):
        return f"{self.item.code}: {self.get_answer_display() or 'not answered'}"


class VisitRating(models.Model):
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="ratings")
    item = models.ForeignKey(FrameworkItem, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=10, choices=Rating.choices, blank=True)
    evidence = models.TextField("evidence seen", blank=True)

    objects = scoped_manager(ViaVisitQuerySet)

    class Meta:
        ordering = ["item__order"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "item"], name="qa_visit_rating_unique"),
            models.CheckConstraint(
                condition=Q(rating__in=["", *Rating.values]), name="qa_visit_rating_on_scale"
            ),
        ]

    def __str__(self):
        return f"{self.item.code}: {self.get_rating_display() or 'not rated'}"


class VisitPupil(models.Model):
    """A pupil seen on the visit and what they said about the provision."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="pupils_seen")
    pupil = models.ForeignKey("placements.Pupil", on_delete=models.PROTECT, related_name="+")
    voice = models.TextField("the pupil's voice", blank=True)

    objects = scoped_manager(ViaVisitQuerySet)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["visit", "pupil"], name="qa_visit_pupil_unique")]

    def __str__(self):
        return f"{self.pupil.initials} seen on {self.visit}"


class ImprovementActionQuerySet(ProviderBoundQuerySet):
    def visible_to(self, membership):
        qs = super().visible_to(membership)
        if membership.role == Role.PROVIDER_STAFF:
            return qs.filter(visit__status=Visit.Status.COMPLETED)
        return qs

    def live(self):
        """The actions of each visit's current completed version: the ones that are chased."""
        return self.filter(visit__is_current=True, visit__status=Visit.Status.COMPLETED)

    def open(self):
        return self.filter(status=ImprovementAction.Status.OPEN)


class ImprovementAction(models.Model):
    """One line of a visit's improvement plan. Its wording is frozen with the visit; whether it is done is not."""

    class RAG(models.TextChoices):
        RED = "red", "Red"
        AMBER = "amber", "Amber"
        GREEN = "green", "Green"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="actions")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="qa_actions")
    area = models.CharField("area for improvement", max_length=300)
    action = models.TextField("what will be done")
    rag = models.CharField("RAG", max_length=5, choices=RAG.choices)
    owner = models.CharField("who by", max_length=200)
    due_date = models.DateField("by when")
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closing_evidence = models.TextField(blank=True)
    # The same action in the version this one was copied from, when a visit is corrected.
    carried_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )

    objects = scoped_manager(ImprovementActionQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "due_date", "pk"]
        indexes = [models.Index(fields=["trust", "status", "due_date"])]

    def __str__(self):
        return f"{self.area}: {self.action[:60]}"

    def is_overdue_on(self, day) -> bool:
        return self.status == self.Status.OPEN and self.due_date < day


class ActionResponse(models.Model):
    """A note on an improvement action: the provider's response, or the school's."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    action = models.ForeignKey(ImprovementAction, on_delete=models.CASCADE, related_name="responses")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=200)
    text = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(ProviderBoundQuerySet)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.author_label}: {self.text[:60]}"


# --- Decisions the trust admin is asked for -----------------------------------------------------------------


class ProviderFlagQuerySet(ProviderBoundQuerySet):
    def visible_to(self, membership):
        if membership.role == Role.PROVIDER_STAFF:
            return self.none()
        return self

    def waiting(self):
        return self.filter(decision="")


class ProviderFlag(models.Model):
    """A provider flagged by QA: a visit that found it does not meet the standards, or an improvement action
    overdue past the policy's grace. The trust admin decides: suspend, or accept a new date."""

    class Reason(models.TextChoices):
        DOES_NOT_MEET = "does_not_meet", "A visit found the provider does not meet the standards"
        ACTION_OVERDUE = "action_overdue", "An improvement action is overdue past the grace period"

    class Decision(models.TextChoices):
        WAITING = "", "Waiting for a decision"
        SUSPENDED = "suspended", "Provider suspended"
        NEW_DATE = "new_date", "New date accepted"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="qa_flags")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="flags")
    action = models.ForeignKey(
        ImprovementAction, null=True, blank=True, on_delete=models.PROTECT, related_name="flags"
    )
    raised_at = models.DateTimeField()
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True, default="")
    decision_reason = models.TextField(blank=True)
    new_date = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager(ProviderFlagQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            # One flag per visit and per action: a re-run of the job never raises it twice.
            models.UniqueConstraint(fields=["visit"], name="qa_flag_once_per_visit"),
            models.UniqueConstraint(fields=["action"], name="qa_flag_once_per_action"),
        ]

    def __str__(self):
        return f"{self.provider}: {self.get_reason_display()}"


# --- Calendar ---------------------------------------------------------------------------------------------


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's secret calendar link for their planned visits in one trust. Resetting it gives a new token,
    and the old link stops working."""

    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trust", "user"], name="qa_calendar_feed_once")]

    def __str__(self):
        return f"Calendar link of {self.user}"
