"""What the reports app keeps: providers' invoices against placements, and the termly reports built for a trust.

Everything else here is read from the other apps; these two are the only rows the app writes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from placements.models import Placement
from trusts.models import School, Trust, scoped_manager
from trusts.roles import Role


class InvoiceQuerySet(models.QuerySet):
    def visible_to(self, membership):
        return self.filter(placement__in=Placement.objects.visible_to(membership))


class Invoice(models.Model):
    """A provider's invoice for one placement over a period, checked by the school against the sessions."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received, to check"
        APPROVED = "approved", "Approved for payment"
        DISPUTED = "disputed", "Disputed"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField("invoice number", max_length=40)
    period_start = models.DateField("period from")
    period_end = models.DateField("period to")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager(InvoiceQuerySet)

    class Meta:
        ordering = ["-period_end", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "number"], name="invoice_number_once_per_placement"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="invoice_period_in_order"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="invoice_amount_not_negative"),
        ]

    def __str__(self):
        return f"Invoice {self.number}"


class ReportRunQuerySet(models.QuerySet):
    def visible_to(self, membership):
        if membership.role == Role.PROVIDER_STAFF:
            return self.none()
        if membership.school_id is not None:
            return self.filter(school_id=membership.school_id)
        return self

    def in_flight(self):
        return self.filter(status__in=ReportRun.IN_FLIGHT)


class ReportRun(models.Model):
    """One build of a termly report's PDF. The same report (school or trust, and period) is built by one run at
    a time: a second request while it is queued or building gets that run (a partial unique constraint)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        BUILDING = "building", "Being built"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    IN_FLIGHT = (Status.QUEUED, Status.BUILDING)

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    # None: the trust-wide report.
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    title = models.CharField(max_length=200)
    key = models.CharField(max_length=80)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=120, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pdf = models.BinaryField(editable=False, null=True)
    error = models.CharField(max_length=300, blank=True)

    objects = scoped_manager(ReportRunQuerySet)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "key"],
                condition=Q(status__in=["queued", "building"]),
                name="report_run_one_in_flight",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="report_run_period_in_order"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_run_progress_percent"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_trust_wide(self) -> bool:
        return self.school_id is None

    @property
    def in_flight(self) -> bool:
        return self.status in self.IN_FLIGHT


def report_key(*, school_id: int | None, start, end) -> str:
    return f"{school_id or 'trust'}:{start:%Y-%m-%d}:{end:%Y-%m-%d}"
