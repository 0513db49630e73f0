from itertools import groupby

from django.contrib import messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from attendance import selectors, services
from attendance.forms import ArrangementForm, CodeForm, DayForm, FollowUpForm, MarkForm, RangeForm
from attendance.models import AbsenceFollowUp, ExpectedSession, RegisterMark
from trusts import csv_export
from trusts.access import get_visible_or_404
from trusts.errors import DomainError
from trusts.permissions import permission_required
from trusts.prepared import prepared


def _grouped(sessions):
    return [(key, list(rows)) for key, rows in groupby(sessions, key=lambda s: s.get_session_display())]


def _with_markable(sessions, now):
    """Each session knows whether it can be marked yet, so the page offers buttons only when they work."""
    for session in sessions:
        session.opens_at = session.starts_at - services.EARLIEST_MARK_BEFORE_START
        session.markable = session.opens_at <= now
    return sessions


@permission_required("register.mark")
def register(request):
    """Today's expected pupils at the provider, by session: one tap a pupil."""
    day_form = DayForm(request.GET or None)
    day = day_form.day()
    sessions = _with_markable(list(selectors.sessions_on(request.membership, day)), timezone.now())
    return render(
        request,
        "attendance/register.html",
        {"day": day, "day_form": day_form, "groups": _grouped(sessions), "now": timezone.now()},
    )


def _row(request, session, form=None, error=None):
    """One register row, for htmx to swap in: the row's template alone (no page context to build)."""
    if not ExpectedSession.mark.is_cached(session):
        # A tap's read leaves the mark out: a refused tap shows the mark that stands.
        session.mark = selectors.standing_mark(session)
    _with_markable([session], timezone.now())
    html = get_template("attendance/_register_row.html").render(
        {"s": session, "form": form, "error": error, "now": timezone.now(), "csrf_token": get_token(request)}
    )
    return HttpResponse(html)


@permission_required("register.mark")
@require_POST
def mark(request, session_pk):
    # One query for the row and what the mark needs; the write is one statement; the row is rendered from both
    # (a refused tap reads the mark that stands, in _row).
    # The read is prepared: PostgreSQL plans its five-table join once a connection, not on every tap.
    with prepared():
        session = get_visible_or_404(selectors.register_row_for_tap(), request.membership, pk=session_pk)
    form = MarkForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.mark_record(
                session=session,
                status=form.cleaned_data["status"],
                late_minutes=form.cleaned_data.get("late_minutes"),
                absence_reason=form.cleaned_data.get("absence_reason") or "",
                expected_version=form.cleaned_data.get("version"),
                by_user=request.user,
                arrangement=services.fetched_arrangement(session),
            )
        except services.StaleMarkError as exc:
            error = exc.message
            if exc.current is not None:
                session.mark = exc.current  # the mark that stands, as it is now
        except DomainError as exc:
            error = exc.message
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
    if request.htmx:
        return _row(request, session, error=error)
    if error:
        messages.error(request, error)
    return redirect(f"{reverse('attendance:register')}?date={session.date:%Y-%m-%d}")


@permission_required("register.mark")
@require_POST
def all_present(request):
    day_form = DayForm(request.POST)
    day = day_form.day()
    session_kind = request.POST.get("session")
    sessions = selectors.sessions_on(request.membership, day).filter(mark__isnull=True)
    if session_kind in ("am", "pm"):
        sessions = sessions.filter(session=session_kind)
    try:
        count = services.register_mark_all_present(sessions=list(sessions), by_user=request.user)
        messages.success(request, f"Marked {count} pupil{'s' if count != 1 else ''} present.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('attendance:register')}?date={day:%Y-%m-%d}")


@permission_required("attendance.read")
def school_register(request):
    day_form = DayForm(request.GET or None)
    day = day_form.day()
    sessions = list(selectors.sessions_on(request.membership, day))
    return render(
        request,
        "attendance/school_register.html",
        {
            "day": day,
            "day_form": day_form,
            "groups": _grouped(sessions),
            "code_form": CodeForm(),
        },
    )


@permission_required("attendance.set_code")
@require_POST
def code_set(request, mark_pk):
    mark = get_visible_or_404(
        RegisterMark.objects.select_related("expected_session__placement"), request.membership, pk=mark_pk
    )
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            services.school_code_set(mark=mark, code=form.cleaned_data["code"], by_user=request.user)
            messages.success(request, f"Code {form.cleaned_data['code']} recorded.")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Choose a code from the list.")
    return redirect(f"{reverse('attendance:school_register')}?date={mark.expected_session.date:%Y-%m-%d}")


@permission_required("attendance.read")
def follow_ups(request):
    items = list(selectors.open_follow_ups(request.membership)[:200])
    return render(
        request,
        "attendance/follow_ups.html",
        {"groups": selectors.follow_ups_by_pupil(items), "show_school": request.membership.school_id is None},
    )


@permission_required("follow_up.record")
def follow_up(request, follow_up_pk):
    item = get_visible_or_404(
        AbsenceFollowUp.objects.select_related(
            "expected_session__pupil",
            "expected_session__provider",
            "expected_session__mark",
            "expected_session__placement",
        ),
        request.membership,
        pk=follow_up_pk,
    )
    # No code is chosen for the person: one careless Save must not authorise an absence. Who and when are.
    form = FollowUpForm(
        request.POST if request.method == "POST" else None,
        instance=item,
        initial={
            "contacted_by": request.user.get_full_name() or request.user.get_username(),
            "contacted_at": timezone.localtime().replace(second=0, microsecond=0),
        },
    )
    if request.method == "POST" and item.closed_at is None and form.is_valid():
        try:
            services.follow_up_record(
                follow_up=item,
                contacted_by=form.cleaned_data["contacted_by"],
                contacted_at=form.cleaned_data["contacted_at"],
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                code=form.cleaned_data["code"],
                by_user=request.user,
            )
            messages.success(request, "Follow-up recorded; the alert is closed.")
            return redirect("attendance:follow_ups")
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(
        request,
        "attendance/follow_up.html",
        {"item": item, "form": form, "carers": list(item.expected_session.pupil.carers.all())},
    )


@permission_required("attendance.read")
def figures(request):
    today = timezone.localdate()
    by = (
        request.GET.get("by")
        if request.GET.get("by") in ("pupil", "placement", "provider", "school")
        else "pupil"
    )
    week = selectors.week_bounds(today)
    year = (selectors.year_start(today), today + timezone.timedelta(days=1))
    this_week = selectors.figures_snapshot(request.membership, by=by, start=week[0], end=week[1])
    this_year = selectors.figures_snapshot(request.membership, by=by, start=year[0], end=year[1])
    return render(
        request,
        "attendance/figures.html",
        {
            "by": by,
            "week": this_week.value,
            "year": this_year.value,
            "week_start": week[0],
            "year_start": year[0],
            "as_of": min(filter(None, [this_week.as_of, this_year.as_of]), default=None),
        },
    )


@permission_required("attendance.export")
def export(request):
    form = RangeForm(request.GET or None)
    if not form.is_bound or not form.is_valid():
        return render(request, "attendance/export.html", {"form": form})
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="register-codes-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    writer = csv_export.writer(response)
    writer.writerow(["UPN", "Date", "Session", "Code", "School URN"])
    for upn, day, session, code, urn in selectors.export_rows(
        request.membership, start=start, end=end + timezone.timedelta(days=1)
    ):
        writer.writerow([upn, day.isoformat(), session.upper(), code, urn])
    return response


@permission_required("register_arrangement.edit")
def arrangement(request, placement_pk):
    from placements.models import Placement

    placement = get_visible_or_404(
        Placement.objects.select_related("pupil", "provider"), request.membership, pk=placement_pk
    )
    if request.method == "POST":
        current = services.placement_register_arrangement(placement=placement)
    else:
        current = selectors.register_arrangement_shown(placement)
    form = ArrangementForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Register arrangement saved.")
        return redirect("attendance:arrangement", placement_pk=placement.pk)
    return render(request, "attendance/arrangement.html", {"placement": placement, "form": form})
