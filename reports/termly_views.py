"""The termly report pages: per school (page, PDF, CSV rendered in the request) and trust-wide (page and CSV in
the request; the PDF built by a task while the page shows its progress), and the stored runs."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from reports import services, termly
from reports.builder import report_for, report_snapshot
from reports.documents import render_report_pdf, report_csv
from reports.forms import PeriodForm
from reports.models import ReportRun
from trusts.access import get_visible_or_404
from trusts.errors import DomainError
from trusts.models import School
from trusts.permissions import permission_required
from trusts.snapshots import rendered

# Finished reports listed on a page.
RUNS_LISTED = 20


def _period(request):
    """(period or None, form, terms) from the query string; the default is last term."""
    today = timezone.localdate()
    terms = termly.terms_to_choose(today=today)
    form = PeriodForm(request.GET or None, terms=terms)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        if data.get("start"):
            return termly.custom_period(data["start"], data["end"]), form, terms
        term = form.terms.get(data.get("term"))
        if term is not None:
            return termly.term_period(term), form, terms
    if request.GET and not form.is_valid():
        return None, form, terms
    term = termly.default_term(terms, today=today)
    if term is None:
        return None, form, terms
    form = PeriodForm(initial={"term": term.pk}, terms=terms)
    return termly.term_period(term), form, terms


def _trust_wide_only(request):
    if request.membership.school_id is not None:
        raise Http404("Not found.")


def _filename(report, ext):
    return f"{slugify(report.scope_label)[:60]}-{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}.{ext}"


@permission_required("report.termly")
def report_index(request):
    schools = list(School.objects.visible_to(request.membership).order_by("name"))
    if request.membership.school_id is not None and len(schools) == 1:
        return redirect("school_report", school_pk=schools[0].pk)
    return redirect("trust_report")


def _report_page(request, *, school, template="reports/termly/report.html"):
    period, form, terms = _period(request)
    report = as_of = tables = None
    if period is not None:
        kept = report_snapshot(
            request.membership, school=school, period=period, today=timezone.localdate(), terms=terms
        )
        report, as_of = kept.value, kept.as_of
        tables = rendered(kept, "reports/termly/_tables.html", {"report": report})
    runs = list(
        ReportRun.objects.visible_to(request.membership)
        .filter(school=school)
        .select_related("requested_by")
        .defer("pdf")[:RUNS_LISTED]
    )
    return render(
        request,
        template,
        {
            "school": school,
            "report": report,
            "tables": tables,
            "as_of": as_of,
            "form": form,
            "has_terms": bool(terms),
            "runs": runs,
            "schools": []
            if school is not None
            else list(School.objects.visible_to(request.membership).order_by("name")),
            "query": request.GET.urlencode(),
        },
    )


@permission_required("report.termly")
def school_report(request, school_pk):
    school = get_visible_or_404(School.objects, request.membership, pk=school_pk)
    return _report_page(request, school=school)


@permission_required("report.termly")
def trust_report(request):
    _trust_wide_only(request)
    return _report_page(request, school=None)


def _download(request, school, kind):
    period, form, terms = _period(request)
    if period is None:
        messages.error(request, "Choose a term, or a date range the right way round, first.")
        url = reverse("school_report", args=[school.pk]) if school else reverse("trust_report")
        return redirect(url)
    report = report_for(
        request.membership, school=school, period=period, today=timezone.localdate(), terms=terms
    )
    if kind == "csv":
        response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
    else:
        pdf = render_report_pdf(report)
        ReportRun.objects.create(
            trust_id=request.membership.trust_id,
            school=school,
            period_start=period.start,
            period_end=period.end,
            title=f"{report.title}, {report.scope_label}",
            key=f"{school.pk}:{period.start:%Y-%m-%d}:{period.end:%Y-%m-%d}",
            status=ReportRun.Status.DONE,
            progress=100,
            step="Ready",
            requested_by=request.user,
            started_at=timezone.now(),
            finished_at=timezone.now(),
            pdf=pdf,
        )
        response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, kind)}"'
    return response


@permission_required("report.termly")
def school_report_pdf(request, school_pk):
    school = get_visible_or_404(School.objects, request.membership, pk=school_pk)
    return _download(request, school, "pdf")


@permission_required("report.termly")
def school_report_csv(request, school_pk):
    school = get_visible_or_404(School.objects, request.membership, pk=school_pk)
    return _download(request, school, "csv")


@permission_required("report.termly")
def trust_report_csv(request):
    _trust_wide_only(request)
    return _download(request, None, "csv")


@require_POST
@permission_required("report.termly")
def trust_report_build(request):
    _trust_wide_only(request)
    period, form, terms = _period(request)
    if period is None:
        messages.error(request, "Choose a term, or a date range the right way round, first.")
        return redirect("trust_report")
    try:
        run, created = services.report_request(
            by=request.membership,
            school=None,
            start=period.start,
            end=period.end,
            title=f"Alternative provision: {period.label}, all schools of the trust",
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("trust_report")
    if not created:
        messages.info(request, "This report is already being built: here is its progress.")
    return redirect("report_run", run_pk=run.pk)


@permission_required("report.termly")
def report_run(request, run_pk):
    run = get_visible_or_404(
        ReportRun.objects.defer("pdf").select_related("requested_by"), request.membership, pk=run_pk
    )
    template = "reports/termly/_run_progress.html" if request.htmx else "reports/termly/run.html"
    return render(request, template, {"run": run})


@permission_required("report.termly")
def report_run_download(request, run_pk):
    run = get_visible_or_404(ReportRun.objects, request.membership, pk=run_pk)
    if run.status != ReportRun.Status.DONE or not run.pdf:
        raise Http404("This report is not ready.")
    response = HttpResponse(bytes(run.pdf), content_type="application/pdf")
    scope = "trust" if run.is_trust_wide else f"school-{run.school_id}"
    response["Content-Disposition"] = (
        f'attachment; filename="ap-report-{scope}-{run.period_start:%Y%m%d}-{run.period_end:%Y%m%d}.pdf"'
    )
    return response
