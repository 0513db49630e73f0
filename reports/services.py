"""Every write of the reports app: recording and deciding providers' invoices, and asking for a termly report's
PDF (one build per report at a time)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from placements.models import Placement
from reports.models import Invoice, ReportRun, report_key
from trusts.errors import DomainError
from trusts.permissions import require

INVOICEABLE = (Placement.Status.AGREED, Placement.Status.ACTIVE, Placement.Status.ENDED)
# A run still queued or building after this long has lost its worker: it no longer blocks a new request, and a
# redelivered task may take it over.
STALE_AFTER = timedelta(minutes=15)


def placement_last_day(placement) -> date | None:
    """The last day a provider may invoice for: the day the placement ended, else its planned end (if any)."""
    return placement.ended_on or placement.planned_end_date


def invoice_record(
    *, by, placement, number: str, period_start: date, period_end: date, amount: Decimal, note: str = ""
) -> Invoice:
    """Record a provider's invoice against ``placement``. The period must fall inside the placement."""
    require(by, "invoice.record", "Your role does not record invoices.")
    number = (number or "").strip()
    problems = []
    if not number:
        problems.append("Give the invoice number.")
    if placement.status not in INVOICEABLE:
        problems.append("Only an agreed, running or ended placement can be invoiced.")
    if period_start and period_end and period_end < period_start:
        problems.append("The period ends before it starts: put the dates the right way round.")
    elif period_start and period_start < placement.start_date:
        problems.append(f"The period starts before the placement did ({placement.start_date:%d %B %Y}).")
    last = placement_last_day(placement)
    if period_end and last and period_end > last:
        problems.append(f"The period runs past the placement's end ({last:%d %B %Y}).")
    if amount is None or amount < 0:
        problems.append("The amount cannot be negative.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    invoice = Invoice(
        trust_id=placement.trust_id,
        placement=placement,
        number=number,
        period_start=period_start,
        period_end=period_end,
        amount=amount,
        note=note.strip(),
        recorded_by=by.user,
    )
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError:
        raise DomainError(
            f"Invoice {number} is already recorded for this placement.", field="number"
        ) from None
    return invoice


def invoice_decide(*, by, invoice: Invoice, status: str, note: str = "") -> Invoice:
    """Approve or dispute an invoice; a dispute needs a reason."""
    require(by, "invoice.decide", "Your role does not approve or dispute invoices.")
    if status not in (Invoice.Status.APPROVED, Invoice.Status.DISPUTED):
        raise DomainError("Choose approve or dispute.")
    if status == Invoice.Status.DISPUTED and not note.strip():
        raise DomainError("Say what is disputed, for the provider.", field="note")
    invoice.status = status
    invoice.note = note.strip() or invoice.note
    invoice.decided_by = by.user
    invoice.decided_at = timezone.now()
    invoice.save(update_fields=["status", "note", "decided_by", "decided_at"])
    return invoice


def report_request(*, by, school, start: date, end: date, title: str) -> tuple[ReportRun, bool]:
    """Ask for a termly report's PDF. Returns (run, created): while the same report (school, or the trust, and
    the same period) is queued or being built, asking again returns that run instead of starting another.

    The partial unique constraint on in-flight runs decides a race between two requests: the second insert
    fails and reads the winner's row.
    """
    require(by, "report.termly", "Your role does not read termly reports.")
    if school is None and by.school_id is not None:
        raise DomainError("The trust-wide report is for trust-wide roles.")
    if school is not None and by.school_id not in (None, school.pk):
        raise DomainError("That is another school's report.")
    if end < start:
        raise DomainError("The period ends before it starts: put the dates the right way round.")
    key = report_key(school_id=school.pk if school else None, start=start, end=end)
    ReportRun.objects.in_flight().filter(key=key, requested_at__lt=timezone.now() - STALE_AFTER).update(
        status=ReportRun.Status.FAILED,
        step="Failed",
        error="The build stopped before it finished.",
        finished_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            run = ReportRun.objects.create(
                trust_id=by.trust_id,
                school=school,
                period_start=start,
                period_end=end,
                title=title,
                key=key,
                requested_by=by.user,
            )
    except IntegrityError:
        existing = ReportRun.objects.in_flight().filter(key=key).first()
        if existing is None:  # it finished between the insert and the read: ask again
            return report_request(by=by, school=school, start=start, end=end, title=title)
        return existing, False
    from reports.tasks import build_report

    build_report.delay(trust_id=by.trust_id, run_id=run.pk)
    return run, True


def report_run_claim(*, run_id: int) -> ReportRun | None:
    """Move a queued run to building, once: a second worker (or a retried task) claims nothing, unless the
    first stopped long ago without finishing (its worker was lost)."""
    stale = Q(status=ReportRun.Status.BUILDING, started_at__lt=timezone.now() - STALE_AFTER)
    claimed = ReportRun.objects.filter(Q(status=ReportRun.Status.QUEUED) | stale, pk=run_id).update(
        status=ReportRun.Status.BUILDING, started_at=timezone.now(), progress=1, step="Starting"
    )
    return ReportRun.objects.get(pk=run_id) if claimed else None


def report_run_progress(*, run: ReportRun, progress: int, step: str) -> None:
    run.progress, run.step = min(progress, 99), step
    ReportRun.objects.filter(pk=run.pk, status=ReportRun.Status.BUILDING).update(
        progress=run.progress, step=step
    )


def report_run_finish(*, run: ReportRun, pdf: bytes) -> None:
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.DONE, progress=100, step="Ready", pdf=pdf, finished_at=timezone.now()
    )


def report_run_fail(*, run_id: int, error: str) -> None:
    ReportRun.objects.filter(pk=run_id).exclude(status=ReportRun.Status.DONE).update(
        status=ReportRun.Status.FAILED, step="Failed", error=error[:300], finished_at=timezone.now()
    )
