"""The trust-wide termly report is built here, off the request: the page polls the run's progress. And the
trust-wide figures the dashboards read are kept fresh here (trusts.snapshots)."""

from __future__ import annotations

import logging

from celery import shared_task

from trusts.tasking import TrustTask, for_each_trust

log = logging.getLogger(__name__)


@shared_task(base=TrustTask, name="reports.build_report")
def build_report(*, trust_id: int, run_id: int) -> str:
    """Claim the run (once), build its figures and PDF, store them. A second delivery finds nothing to claim."""
    from reports import services
    from reports.builder import build_run_pdf

    run = services.report_run_claim(run_id=run_id)
    if run is None:
        return "already claimed"
    try:
        pdf = build_run_pdf(
            run,
            progress=lambda percent, step: services.report_run_progress(run=run, progress=percent, step=step),
        )
    except Exception as error:  # the run must never stay "being built" forever
        log.exception("Report run %s failed", run_id)
        services.report_run_fail(
            run_id=run_id, error=f"The report could not be built ({type(error).__name__})."
        )
        raise
    services.report_run_finish(run=run, pdf=pdf)
    return "built"


@shared_task(base=TrustTask, name="reports.refresh_snapshots")
def refresh_snapshots(*, trust_id: int) -> int:
    """The trust's year-to-date figures worked out again, every few minutes (well inside
    ``trusts.snapshots.MAX_AGE``), so the trust's dashboards find them kept instead of counting hundreds of
    thousands of register rows on a request. Only writes the cache: run twice at once, the later one wins."""
    from django.utils import timezone

    from reports import selectors

    return selectors.snapshots_refresh(trust_id=trust_id, today=timezone.localdate())


refresh_snapshots_all_trusts = for_each_trust(refresh_snapshots)
