from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from attendance import selectors, services
from attendance.forms import ArrangementForm, CodeForm, DayForm, FollowUpForm, MarkForm, RangeForm
from attendance.models import AbsenceFollowUp, ExpectedSession, RegisterMark, Session, marked_late
from trusts import csv_export
from trusts.access import get_visible_or_404
from trusts.errors import DomainError
from trusts.permissions import has_perm, permission_required
from trusts.prepared import prepared

# The open follow-ups the list reads at most, the most urgent first, and the pupils it shows a page.
FOLLOW_UP_LIST_LIMIT = 200
FOLLOW_UP_PUPILS_PER_PAGE = 25


# A school's day fits on one page; the whole trust's (thousands of pupils) is paged.
SCHOOL_REGISTER_ROWS_PER_PAGE = 200


def _page(queryset, per_page: int, number) -> Page:
    """The ``number``th page of ``queryset`` (the first for a missing or bad number, the last for one beyond
    it), as Paginator.get_page gives it, but counting the rows only when there is more than one page: the
    first page is read with one row more than it shows, and when that row is not there the count is known."""
    paginator = Paginator(queryset, per_page)
    try:
        number = int(number or 1)
    except (TypeError, ValueError):
        number = 1
    if number > 1:
        return paginator.get_page(number)
    rows = list(queryset[: per_page + 1])
    if len(rows) <= per_page:
        paginator.count = len(rows)
    return Page(rows[:per_page], 1, paginator)


def _url_of_pk(name: str):
    """``reverse(name, args=[pk])`` for any pk, from one reverse: a page of a hundred rows reversed a URL for
    each row, at tens of microseconds a time. The URL is reversed once with a marker where the pk goes."""
    marker = "7294018563"
    head, tail = reverse(name, args=[int(marker)]).split(marker)
    return lambda pk: f"{head}{pk}{tail}"


_MARK_BADGES = {
    RegisterMark.Status.ABSENT: "text-bg-danger",
    RegisterMark.Status.LATE: "text-bg-warning",
    RegisterMark.Status.CLOSED: "text-bg-secondary",
}


def _mark_of(session):
    """The mark read with ``session`` (select_related or set by a tap), or None when it has none."""
    try:
        return session.mark
    except RegisterMark.DoesNotExist:
        return None


def _register_row(session, mark, now, url: str) -> dict:
    """What one row of the provider's register shows, drawn in Python for the page and the tap alike: the row's
    template reads plain values (a phone's register is a few dozen rows, each with names, times, the mark and
    who made it, and a template lookup through the models, a filter or a URL tag for each cost more than the
    rest of the page). Whether the session can be marked yet is known here, so the row offers buttons only when
    they work."""
    local_now = timezone.localtime(now)
    opens_at = timezone.localtime(session.starts_at - services.EARLIEST_MARK_BEFORE_START)
    opens = f"{opens_at:%H:%M}"
    if opens_at.date() != local_now.date():
        opens += f" on {selectors.day_month(opens_at)}"
    pupil = session.pupil
    row = {
        "pk": session.pk,
        "name": f"{pupil.preferred_name or pupil.legal_first_name} {pupil.legal_last_name}",
        "times": f"{timezone.localtime(session.starts_at):%H:%M}–{timezone.localtime(session.ends_at):%H:%M}",
        "school": session.school.name,
        "markable": opens_at <= local_now,
        "opens": opens,
        "url": url,
        "version": mark.version if mark else 0,
        "mark": None,
    }
    if mark:
        row["mark"] = {
            "status": mark.status,
            "label": mark.get_status_display(),
            "badge": _MARK_BADGES.get(mark.status, "text-bg-success"),
            "late_minutes": mark.late_minutes,
            "by": mark.marked_by.get_full_name() or mark.marked_by.username,
            "at": f"{timezone.localtime(mark.marked_at):%H:%M}",
            "absence_reason": mark.absence_reason,
            "late_marking": marked_late(mark.marked_at, session.starts_at),
            "reason_wanted": mark.status == RegisterMark.Status.ABSENT and not mark.absence_reason,
        }
    return row


@permission_required("register.mark")
def register(request):
    """Today's expected pupils at the provider, by session: one tap a pupil."""
    day_form = DayForm(request.GET or None)
    day = day_form.day()
    now = timezone.now()
    mark_url = _url_of_pk("attendance:mark")
    groups = {}
    for session in selectors.register_day(request.membership, day):
        row = _register_row(session, _mark_of(session), now, mark_url(session.pk))
        groups.setdefault(session.session, []).append(row)
    return render(
        request,
        "attendance/register.html",
        {
            "day": day,
            "day_form": day_form,
            "groups": [(Session(kind).label, kind, rows) for kind, rows in groups.items()],
            # One hidden token input for every row's form, drawn once rather than by a tag in each row.
            "csrf_input": csrf_input(request),
        },
    )


def _row(request, session, form=None, error=None):
    """One register row, for htmx to swap in: the row's template alone (no page context to build)."""
    # A tap's read leaves the mark out: a refused tap shows the mark that stands.
    cached = ExpectedSession.mark.is_cached(session)
    mark = _mark_of(session) if cached else selectors.standing_mark(session)
    row = _register_row(session, mark, timezone.now(), reverse("attendance:mark", args=[session.pk]))
    html = get_template("attendance/_register_row.html").render(
        {"r": row, "error": error, "csrf_input": csrf_input(request)}
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
    page = _page(
        selectors.school_register_rows(request.membership, day),
        SCHOOL_REGISTER_ROWS_PER_PAGE,
        request.GET.get("page"),
    )
    groups = selectors.school_register_groups(page.object_list)
    can_set_code = has_perm(request.membership, "attendance.set_code")
    if can_set_code:
        code_url = _url_of_pk("attendance:code_set")
        for _label, rows in groups:
            for row in rows:
                if row["mark"]:
                    row["mark"]["code_url"] = code_url(row["mark"]["pk"])
    return render(
        request,
        "attendance/school_register.html",
        {
            "day": day,
            "day_form": day_form,
            "groups": groups,
            "page": page,
            "code_form": CodeForm(),
            "can_set_code": can_set_code,
            # One hidden token input for every row's code form, drawn once rather than by a tag in each row.
            "csrf_input": csrf_input(request) if can_set_code else "",
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
    groups = selectors.open_follow_up_list(request.membership, limit=FOLLOW_UP_LIST_LIMIT)
    listed = sum(len(group.items) for group in groups)
    page = Paginator(groups, FOLLOW_UP_PUPILS_PER_PAGE).get_page(request.GET.get("page"))
    can_record = has_perm(request.membership, "follow_up.record")
    if can_record:
        follow_up_url = _url_of_pk("attendance:follow_up")
        for group in page.object_list:
            for item in group.items:
                item["url"] = follow_up_url(item["pk"])
    return render(
        request,
        "attendance/follow_ups.html",
        {
            "page": page,
            "groups": page.object_list,
            "at_limit": listed >= FOLLOW_UP_LIST_LIMIT,
            "limit": FOLLOW_UP_LIST_LIMIT,
            "show_school": request.membership.school_id is None,
            "can_record": can_record,
        },
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
