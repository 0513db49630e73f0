from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from attendance.codes import ABSENCE_CODE_CHOICES, LATE_MARKING_AFTER_MINUTES, Arrangement
from trusts.models import Trust, scoped_manager
from trusts.roles import Role


class Session(models.TextChoices):
    AM = "am", "Morning"
    PM = "pm", "Afternoon"


class SessionVisibleQuerySet(models.QuerySet):
    """Rows that belong to one expected session of one placement: a school sees its own pupils', a provider
    the pupils placed with it."""

    session_path = ""

    def visible_to(self, membership):
        prefix = self.session_path
        if membership.role == Role.PROVIDER_STAFF:
            return self.filter(**{f"{prefix}provider_id": membership.provider_id})
        if membership.school_id is not None:
            return self.filter(**{f"{prefix}school_id": membership.school_id})
        return self


class ExpectedSessionQuerySet(SessionVisibleQuerySet):
    def unmarked(self):
        return self.filter(mark__isnull=True)


class RegisterArrangementQuerySet(SessionVisibleQuerySet):
    session_path = "placement__"


class RegisterArrangement(models.Model):
    """How the school records a placement's sessions in its own register."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.OneToOneField(
        "placements.Placement", on_delete=models.CASCADE, related_name="register"
    )
    arrangement = models.CharField(
        max_length=20,
        choices=[
            (Arrangement.SCHOOL.value, "Arranged by the school (code B when attending)"),
            (Arrangement.LOCAL_AUTHORITY.value, "Arranged by the local authority (code K)"),
            (Arrangement.DUAL.value, "Dual registered at another school (code D)"),
        ],
        default=Arrangement.SCHOOL.value,
    )
    supervised = models.BooleanField(
        default=True, help_text="Education at the provider is supervised (not at home or unsupervised work)."
    )
    part_time_leave = models.BooleanField(
        "other sessions are part-time timetable leave (C2)",
        default=False,
        help_text="On a temporary part-time timetable with no sessions at school: every other session of a school "
        "day is recorded as C2 leave.",
    )
    tell_dsl_of_absence = models.BooleanField(
        "tell the DSL of every absence",
        default=False,
        help_text="For a pupil the school has flagged, besides looked-after, child-protection and child-in-need pupils.",
    )

    objects = scoped_manager(RegisterArrangementQuerySet)
    history = HistoricalRecords()

    def __str__(self):
        return f"Register arrangement for {self.placement}"


class ExpectedSession(models.Model):
    """A morning or afternoon a pupil is expected at a provider, from the placement's timetable and the
    school's calendar."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(
        "placements.Placement", on_delete=models.CASCADE, related_name="expected_sessions"
    )
    # Copied from the placement so registers and dashboards filter without joins.
    pupil = models.ForeignKey("placements.Pupil", on_delete=models.CASCADE, related_name="expected_sessions")
    school = models.ForeignKey("trusts.School", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    session = models.CharField(max_length=2, choices=Session.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    objects = scoped_manager(ExpectedSessionQuerySet)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "date", "session"], name="expected_session_once"),
        ]
        indexes = [
            models.Index(fields=["trust", "provider", "date"]),
            models.Index(fields=["trust", "school", "date"]),
            models.Index(fields=["pupil", "starts_at"]),
            # The chase chain and the dashboards ask "sessions of this trust since ...".
            models.Index(fields=["trust", "starts_at"], name="perf_session_trust_starts"),
            # A trust-wide register of one day (the trust's people see every school's): without it PostgreSQL
            # scanned the whole table for the day's few thousand rows (140 ms on the 1x data).
            models.Index(fields=["trust", "date"], name="session_trust_date"),
        ]

    def __str__(self):
        return f"{self.date:%a %d %b %Y} {self.get_session_display().lower()}"


def marked_late(marked_at, starts_at) -> bool:
    """A mark made hours after its session started: the register was filled in afterwards, not kept live."""
    return (marked_at - starts_at).total_seconds() > LATE_MARKING_AFTER_MINUTES * 60


class MarkQuerySet(SessionVisibleQuerySet):
    session_path = "expected_session__"


class RegisterMark(models.Model):
    """The provider's mark for one expected session, and the school's register code that follows from it."""

    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        LATE = "late", "Late"
        ABSENT = "absent", "Absent"
        CLOSED = "closed", "Provider closed"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    expected_session = models.OneToOneField(ExpectedSession, on_delete=models.CASCADE, related_name="mark")
    status = models.CharField(max_length=10, choices=Status.choices)
    late_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    absence_reason = models.CharField("reason, as the provider knows it", max_length=300, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)
    # The school's code: derived for attendance, chosen by the attendance officer for absence.
    school_code = models.CharField(max_length=3, blank=True)
    code_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code_set_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager(MarkQuerySet)
    history = HistoricalRecords()

    class Meta:
        indexes = [
            # Attendance figures join a period's expected sessions to their marks and read only the status: with
            # it in the index the join reads the index alone (a school's year: 350 ms to 35 ms on the 1x data,
            # where PostgreSQL otherwise hashed the whole marks table).
            models.Index(fields=["expected_session"], include=["status"], name="mark_session_status"),
            # The chase's recent absences: the absent marks alone (a tenth of them), not a scan of every mark.
            models.Index(
                fields=["expected_session"], condition=models.Q(status="absent"), name="mark_absent_session"
            ),
        ]

    def __str__(self):
        return f"{self.get_status_display()} ({self.expected_session})"

    @property
    def late_marking(self) -> bool:
        """Marked hours after the session started: the register was filled in afterwards, not kept live."""
        return marked_late(self.marked_at, self.expected_session.starts_at)

    @property
    def is_absence(self):
        return self.status == self.Status.ABSENT


class ChaseEvent(models.Model):
    """One step of the chase chain, written once per session and kind; its notifications follow from it."""

    class Kind(models.TextChoices):
        MARK_MISSING = "mark_missing", "Register not marked"
        ABSENCE = "absence", "Absence reported"
        FOLLOW_UP_OVERDUE = "follow_up_overdue", "Absence not followed up"
        CONSECUTIVE = "consecutive", "Consecutive absences: possible child missing education"
        UNACCOUNTED = "unaccounted", "Vulnerable pupil still not accounted for"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    expected_session = models.ForeignKey(
        ExpectedSession, on_delete=models.CASCADE, related_name="chase_events"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    objects = scoped_manager(MarkQuerySet)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["expected_session", "kind"], name="chase_event_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.expected_session}"


class FollowUpQuerySet(MarkQuerySet):
    def visible_to(self, membership):
        # A school's own follow-ups by their own column (indexed with the open ones), not through the session.
        if membership.role != Role.PROVIDER_STAFF and membership.school_id is not None:
            return self.filter(school_id=membership.school_id)
        return super().visible_to(membership)

    def open(self):
        return self.filter(closed_at__isnull=True)


class AbsenceFollowUp(models.Model):
    """The school's follow-up of one absence: who contacted the parent, when, and what they learnt."""

    class Outcome(models.TextChoices):
        REASON_GIVEN = "reason_given", "Parent gave a reason"
        NO_CONTACT = "no_contact", "Could not reach the parent"
        HOME_VISIT = "home_visit", "Home visit made"
        REFERRED = "referred", "Referred (safeguarding or attendance service)"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    expected_session = models.OneToOneField(
        ExpectedSession, on_delete=models.CASCADE, related_name="follow_up"
    )
    # The session's school, kept on the follow-up so that a school's open ones are found by one index.
    school = models.ForeignKey("trusts.School", on_delete=models.PROTECT, related_name="+")
    vulnerable = models.BooleanField(default=False)
    opened_at = models.DateTimeField()
    contacted_by = models.CharField("who contacted the parent", max_length=150, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    code = models.CharField(max_length=3, choices=ABSENCE_CODE_CHOICES, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager(FollowUpQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-vulnerable", "opened_at", "pk"]
        indexes = [
            # The open ones, in the order the lists show them: a few thousand of a year's tens of thousands.
            models.Index(
                "trust",
                models.F("vulnerable").desc(),
                "opened_at",
                "id",
                condition=models.Q(closed_at__isnull=True),
                name="followup_open_order",
            ),
            # A school's open ones in the same order (the school dashboard, the follow-up list).
            models.Index(
                "school",
                models.F("vulnerable").desc(),
                "opened_at",
                "id",
                condition=models.Q(closed_at__isnull=True),
                name="followup_open_school_order",
            ),
        ]

    def __str__(self):
        return f"Follow-up of absence {self.expected_session}"

    def save(self, *args, **kwargs):
        if self.school_id is None and self.expected_session_id is not None:
            self.school_id = self.expected_session.school_id
        super().save(*args, **kwargs)
