"""Putting a termly report together for a school or the trust: the period asked for, the schools it covers,
the figures (``reports.termly``) and, for a stored run, the PDF."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from reports import termly
from reports.documents import render_report_pdf
from trusts.models import Membership, School
from trusts.roles import Role
from trusts.selectors import trust_policy
from trusts.snapshots import Snapshot, snapshot


def report_for(membership, *, school, period: termly.Period, today: date, terms=None, progress=None):
    """The report on ``school`` (None: every school of the trust) as ``membership`` may see it."""
    schools = list(School.objects.visible_to(membership).order_by("name")) if school is None else [school]
    return termly.build(
        membership,
        schools=schools,
        period=period,
        policy=trust_policy(membership.trust_id),
        today=today,
        terms=terms,
        trust_wide=school is None,
        progress=progress,
    )


def report_snapshot(membership, *, school, period: termly.Period, today: date, terms=None) -> Snapshot:
    """``report_for`` for the page: for the trust's own people the trust's snapshot of that report (a term's
    report over a large trust reads every register row of the term). A school's report on a period that has
    ended is the same whoever of its readers asks (it names no one, and a school's staff and the trust see the
    same school), so they share it too; a school's report on a period still running is built now for its staff."""
    return snapshot(
        membership,
        ("termly", school.pk if school else "trust", period.start, period.end, today),
        lambda: report_for(membership, school=school, period=period, today=today, terms=terms),
        shared=school is not None and period.end < today,
    )


def reader_for(run) -> Membership:
    """A read-only view of the trust as a governor of the run's scope (the school, or the trust), for the task
    that builds it away from any request. Never saved."""
    return Membership(trust_id=run.trust_id, role=Role.GOVERNOR, school_id=run.school_id)


def run_period(run) -> termly.Period:
    terms = {(t.start_date, t.end_date): t for t in termly.terms_to_choose(today=run.period_end)}
    term = terms.get((run.period_start, run.period_end))
    if term is not None:
        return termly.term_period(term)
    return termly.custom_period(run.period_start, run.period_end)


def build_run_pdf(run, *, progress=None) -> bytes:
    today = timezone.localtime(run.requested_at).date() if run.requested_at else timezone.localdate()
    report = report_for(
        reader_for(run), school=run.school, period=run_period(run), today=today, progress=progress
    )
    if progress:
        progress(90, "Drawing the PDF")
    return render_report_pdf(report)
