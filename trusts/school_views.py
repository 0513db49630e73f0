"""Setting up and running a trust: the go-live checklist, schools, term dates and closure days."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from trusts import schools as services
from trusts.access import get_visible_or_404
from trusts.calendar import bank_holiday_name, is_bank_holiday
from trusts.errors import DomainError
from trusts.models import ClosureDay, School, Term
from trusts.onboarding import academic_start_year, go_live_checklist
from trusts.people_forms import ClosureForm, SchoolForm, TermDatesForm
from trusts.permissions import permission_required


@permission_required("trust.setup")
def trust_setup(request):
    steps = go_live_checklist(request.trust.pk)
    ready = all(step.done for step in steps if step.required)
    return render(request, "trusts/trust_setup.html", {"steps": steps, "ready": ready})


@permission_required("calendar.read")
def school_list(request):
    schools = School.objects.visible_to(request.membership).order_by("name")
    return render(request, "trusts/school_list.html", {"schools": schools})


def _school_form(request, school=None):
    form = SchoolForm(request.POST or None, instance=school)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.school_save(by=request.membership, data=form.cleaned_data, school=school)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{saved.name} is saved.")
            return redirect("school_list")
    return render(request, "trusts/school_form.html", {"form": form, "school": school})


@permission_required("school.edit")
def school_create(request):
    return _school_form(request)


@permission_required("school.edit")
def school_edit(request, school_pk):
    school = get_visible_or_404(School.objects, request.membership, pk=school_pk)
    # The form edits a copy: a refused save must not leave the page showing unsaved values as the school's.
    return _school_form(request, School.objects.get(pk=school.pk))


def _start_year(request) -> int:
    try:
        return int(request.GET.get("year") or request.POST.get("start_year"))
    except (TypeError, ValueError):
        return academic_start_year(timezone.localdate())


def _term_dates(request, school=None):
    start_year = _start_year(request)
    year_name = services.year_name(start_year)
    existing = list(Term.objects.filter(school=school, academic_year__name=year_name))
    if existing:
        initial = TermDatesForm.initial_from(start_year, existing)
    else:
        # A school without its own dates starts from the trust's; the trust from the usual England pattern.
        shared = list(Term.objects.filter(school=None, academic_year__name=year_name)) if school else []
        initial = TermDatesForm.initial_from(start_year, shared or services.england_pattern(start_year))
    form = TermDatesForm(request.POST or None, initial=initial)
    if request.method == "POST" and request.POST.get("clear") and school is not None:
        try:
            services.school_terms_clear(by=request.membership, school=school, start_year=start_year)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{school.name} uses the trust's term dates for {year_name} again.")
        return redirect("calendar")
    if request.method == "POST" and form.is_valid():
        try:
            services.term_dates_save(
                by=request.membership,
                start_year=form.cleaned_data["start_year"],
                terms=form.term_dates(),
                school=school,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            whose = school.name if school else "every school of the trust"
            messages.success(request, f"Term dates for {year_name} are saved for {whose}.")
            return redirect("calendar")
    return render(
        request,
        "trusts/term_dates.html",
        {
            "form": form,
            "school": school,
            "year_name": year_name,
            "start_year": start_year,
            "has_own": bool(existing),
            "prefilled": not existing,
        },
    )


@permission_required("term.edit")
def term_dates(request):
    return _term_dates(request)


@permission_required("term.edit")
def school_term_dates(request, school_pk):
    school = get_visible_or_404(School.objects, request.membership, pk=school_pk)
    return _term_dates(request, school)


@permission_required("calendar.read")
def calendar(request):
    today = timezone.localdate()
    terms = (
        Term.objects.filter(end_date__gte=today.replace(month=1, day=1))
        .select_related("academic_year", "school")
        .order_by("school__name", "start_date")
    )
    if request.membership.school_id:
        terms = terms.filter(school__isnull=True) | terms.filter(school_id=request.membership.school_id)
    closures = (
        ClosureDay.objects.visible_to(request.membership)
        .filter(date__gte=today.replace(day=1))
        .select_related("school")
        .order_by("date")
    )
    return render(
        request,
        "trusts/calendar.html",
        {
            "terms": terms,
            "closures": closures,
            "today": today,
            "bank_holiday": bank_holiday_name(today) if is_bank_holiday(today) else None,
        },
    )


@permission_required("closure.record")
def closure_add(request):
    form = ClosureForm(request.POST or None, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            closure = services.closure_add(
                by=request.membership,
                day=data["date"],
                kind=data["kind"],
                reason=data["reason"],
                school=data.get("school"),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            where = closure.school.name if closure.school else "Every school"
            messages.success(
                request,
                f"{where}: {closure.get_kind_display().lower()} on {closure.date:%A %d %B %Y}. Registers are "
                "not expected that day, and nobody is chased for them.",
            )
            return redirect("calendar")
    return render(request, "trusts/closure_form.html", {"form": form})


@permission_required("closure.record")
@require_POST
def closure_remove(request, closure_pk):
    closure = get_visible_or_404(
        ClosureDay.objects.select_related("school"), request.membership, pk=closure_pk
    )
    try:
        services.closure_remove(by=request.membership, closure=closure)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"The closure on {closure.date:%d %B %Y} is taken back; sessions are expected again."
        )
    return redirect("calendar")
