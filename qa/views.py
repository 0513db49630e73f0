"""Pages of quality assurance. Thin: parse, call a service, render; domain refusals become messages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST
from django_scopes import scope, scopes_disabled

from placements.models import Placement
from providers.models import Provider
from providers.services import is_provider_staff_of
from qa import calendar_feed, documents, selectors, services
from qa.forms import (
    EXTRA_ACTION_ROWS,
    CloseActionForm,
    DecideForm,
    DetailsForm,
    FrameworkForm,
    PlanForm,
    ReasonForm,
    RespondForm,
    framework_as_text,
    parse_visit_post,
)
from qa.models import CalendarFeed, ImprovementAction, Part, ProviderFlag, Rating, Visit, VisitCheck
from trusts import rls
from trusts.access import get_visible_or_404
from trusts.errors import DomainError
from trusts.permissions import has_perm, permission_required
from trusts.roles import Role
from trusts.snapshots import rendered


def _show_refusal(request, error: DomainError):
    messages.error(request, error.message)
    for problem in error.problems:
        if problem != error.message:
            messages.warning(request, problem)


def _provider_bound(request, obj, provider):
    """Provider staff reach QA records of their provider only with the object permission on it too."""
    if request.membership.role == Role.PROVIDER_STAFF and not is_provider_staff_of(
        request.membership, provider
    ):
        raise Http404("Not found.")
    return obj


def _visit_or_404(request, visit_pk, *related) -> Visit:
    visit = get_visible_or_404(
        Visit.objects.select_related("provider", "visitor", "framework", "completed_by", *related),
        request.membership,
        pk=visit_pk,
    )
    return _provider_bound(request, visit, visit.provider)


def _action_or_404(request, action_pk) -> ImprovementAction:
    action = get_visible_or_404(
        ImprovementAction.objects.select_related("provider", "visit__visitor"),
        request.membership,
        pk=action_pk,
    )
    return _provider_bound(request, action, action.provider)


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Schedule and lists -----------------------------------------------------------------------------------------


@permission_required("qa_schedule.read")
def schedule(request):
    tables, as_of = _schedule_tables(request.membership, on=timezone.localdate())
    return render(request, "qa/schedule.html", {"tables": tables, "as_of": as_of})


def _schedule_tables(membership, *, on):
    """The schedule's tables of providers due a visit and its list of open visits by visitor, rendered once for
    each kept schedule and kind of reader (``trusts.snapshots.rendered``).

    They show the trust's kept schedule (``selectors.trust_schedule``) and the trust's open visits, and of the
    reader only the school names they may see (their school's, or every school's) and whether they may plan a
    visit. A visit planned, changed or recorded forgets the schedule (``selectors.forget_schedule``): the schedule
    worked out again is another keeping, and its tables are rendered afresh."""
    kept = selectors.trust_schedule(membership, on=on, trust_id=membership.trust_id)
    can_record = has_perm(membership, "qa_visit.record")

    def context():
        rows = selectors.rows_seen_by(membership, kept.value)
        return {
            "overdue": [r for r in rows if r.overdue],
            "this_week": [r for r in rows if "this_week" in r.tags and not r.overdue],
            "this_half_term": [r for r in rows if "this_half_term" in r.tags and "this_week" not in r.tags],
            "later": [r for r in rows if not r.tags],
            "by_visitor": selectors.visits_by_visitor(membership),
            "can_record": can_record,
        }

    tables = rendered(
        kept, "qa/_schedule_tables.html", context, vary=(membership.school_id or "trust", int(can_record))
    )
    return tables, kept.as_of


@permission_required("qa_visit.read")
def visit_list(request):
    visits = selectors.visit_list(request.membership)
    if request.membership.role == Role.PROVIDER_STAFF:
        visits = visits.filter(provider_id=request.membership.provider_id)
    return render(request, "qa/visit_list.html", {"visits": visits[:200]})


@permission_required("qa_action.read")
def action_list(request):
    status = request.GET.get("status", "open")
    status = status if status in ("open", "closed", "all") else "open"
    actions = selectors.action_list(request.membership, status=None if status == "all" else status)
    return render(
        request,
        "qa/action_list.html",
        {"actions": actions[:300], "status": status, "today": timezone.localdate()},
    )


# --- Planning and recording -------------------------------------------------------------------------------------


@permission_required("qa_visit.record")
def visit_plan(request, provider_pk):
    provider = get_visible_or_404(Provider.objects, request.membership, pk=provider_pk)
    form = PlanForm(request.POST or None, trust=request.trust, initial={"visitor": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_plan(
                provider=provider,
                by=request.membership,
                planned_for=form.cleaned_data["planned_for"],
                visitor=form.cleaned_data["visitor"],
            )
        except DomainError as error:
            _show_refusal(request, error)
        else:
            messages.success(request, f"The visit to {provider} is planned for {visit.planned_for:%d %B %Y}.")
            return redirect("qa:visit_detail", visit_pk=visit.pk)
    placed = Placement.objects.current().filter(provider=provider).exists()
    return render(request, "qa/visit_plan.html", {"provider": provider, "form": form, "placed": placed})


@permission_required("qa_visit.read")
def visit_detail(request, visit_pk):
    # The version it corrects and its correction (a version has one of each at most) in the same query.
    visit = _visit_or_404(request, visit_pk, "previous", "correction")
    context = {
        "visit": visit,
        "today": timezone.localdate(),
        "correction": getattr(visit, "correction", None),
        "versions": _versions(visit),
        "reason_form": ReasonForm(),
        **selectors.visit_sections(visit),
    }
    if request.membership.role != Role.PROVIDER_STAFF:
        context["flags"] = list(visit.flags.all())
    return render(request, "qa/visit_detail.html", context)


def _versions(visit):
    chain = []
    v = visit
    while v.previous_id:
        v = v.previous
        chain.append(v)
    return chain


def _record_context(request, visit, form, post=None):
    sections = selectors.visit_sections(visit)
    pupils = list(selectors.placed_pupils(visit.provider, request.membership, on=timezone.localdate()))
    seen = {p.pupil_id: p for p in sections["pupils_seen"]}
    pupil_rows = []
    for pupil in pupils:
        if post is not None:
            pupil_rows.append((pupil, bool(post.get(f"pupil-{pupil.pk}")), post.get(f"voice-{pupil.pk}", "")))
        else:
            entry = seen.get(pupil.pk)
            pupil_rows.append((pupil, entry is not None, entry.voice if entry else ""))

    def check_value(item):
        if post is not None:
            return {
                "answer": post.get(f"check-{item.pk}", ""),
                "seen": post.get(f"seen-{item.pk}", ""),
                "follow_up": post.get(f"follow_up-{item.pk}", ""),
            }
        c = sections["checks"].get(item.pk)
        return {"answer": c.answer, "seen": c.seen, "follow_up": c.follow_up} if c else {}

    def rating_value(item):
        if post is not None:
            return {
                "rating": post.get(f"rating-{item.pk}", ""),
                "evidence": post.get(f"evidence-{item.pk}", ""),
            }
        r = sections["ratings"].get(item.pk)
        return {"rating": r.rating, "evidence": r.evidence} if r else {}

    if post is not None:
        count = int(post.get("action-count", "0")) if post.get("action-count", "0").isdigit() else 0
        actions = [
            {
                "id": post.get(f"action-{n}-id", ""),
                "area": post.get(f"action-{n}-area", ""),
                "action": post.get(f"action-{n}-action", ""),
                "rag": post.get(f"action-{n}-rag", ""),
                "owner": post.get(f"action-{n}-owner", ""),
                "due_date": post.get(f"action-{n}-due_date", ""),
            }
            for n in range(min(count, 100))
        ]
    else:
        actions = [
            {
                "id": a.pk,
                "area": a.area,
                "action": a.action,
                "rag": a.rag,
                "owner": a.owner,
                "due_date": a.due_date.isoformat(),
            }
            for a in sections["actions"]
        ]
        actions += [
            {"id": "", "area": "", "action": "", "rag": "", "owner": "", "due_date": ""}
        ] * EXTRA_ACTION_ROWS
    return {
        "visit": visit,
        "form": form,
        "pre_visit_rows": [(item, live, check_value(item)) for item, live, _ in sections["pre_visit"]],
        "on_site": [
            (section, [(item, check_value(item)) for item, _ in rows])
            for section, rows in sections["on_site"]
        ],
        "standards": [
            (section, [(item, rating_value(item)) for item, _ in rows])
            for section, rows in sections["standards"]
        ],
        "pupil_rows": pupil_rows,
        "actions": [(n, a) for n, a in enumerate(actions)],
        "action_count": len(actions),
        "revision": post.get("revision") if post is not None else visit.revision,
        "ratings": Rating.choices,
        "answers": VisitCheck.Answer.choices,
        "rags": ImprovementAction.RAG.choices,
    }


@permission_required("qa_visit.record")
def visit_record(request, visit_pk):
    """The visit form: saved part-done as often as needed, on a phone on site or at a desk later."""
    visit = _visit_or_404(request, visit_pk)
    if visit.is_frozen and request.method != "POST":
        messages.info(request, "This visit is completed and frozen. Start a correction to change it.")
        return redirect("qa:visit_detail", visit_pk=visit.pk)
    if request.method == "GET" and visit.status == Visit.Status.PLANNED:
        visit = services.visit_start(visit=visit, by=request.membership)
    if request.method == "POST":
        form = DetailsForm(request.POST, instance=Visit.objects.get(pk=visit.pk))
        items = list(visit.framework.items.all())
        pupils = list(selectors.placed_pupils(visit.provider, request.membership, on=timezone.localdate()))
        pupils += [vp.pupil for vp in visit.pupils_seen.select_related("pupil") if vp.pupil not in pupils]
        data, problems = parse_visit_post(request.POST, items=items, pupils=pupils)
        revision = request.POST.get("revision", "")
        if form.is_valid() and not problems and revision.isdigit():
            data.update(form.cleaned_data)
            try:
                visit = services.visit_save(
                    visit=visit, by=request.membership, revision=int(revision), data=data
                )
            except DomainError as error:
                _show_refusal(request, error)
            else:
                if request.POST.get("finish"):
                    try:
                        services.visit_complete(visit=visit, by=request.membership)
                    except DomainError as error:
                        _show_refusal(request, error)
                        return redirect("qa:visit_record", visit_pk=visit.pk)
                    messages.success(request, "The visit is completed and its report is frozen.")
                    return redirect("qa:visit_detail", visit_pk=visit.pk)
                messages.success(request, "Saved. You can come back and finish it later.")
                return redirect("qa:visit_record", visit_pk=visit.pk)
        else:
            messages.error(request, "Nothing was saved: put these right and save again.")
            for problem in problems:
                messages.warning(request, problem)
            if not revision.isdigit():
                messages.warning(request, "The form was incomplete: reload the visit and try again.")
        return render(
            request, "qa/visit_record.html", _record_context(request, visit, form, post=request.POST)
        )
    return render(
        request, "qa/visit_record.html", _record_context(request, visit, DetailsForm(instance=visit))
    )


@require_POST
@permission_required("qa_visit.record")
def visit_complete(request, visit_pk):
    visit = _visit_or_404(request, visit_pk)
    try:
        services.visit_complete(visit=visit, by=request.membership)
    except DomainError as error:
        _show_refusal(request, error)
        if not Visit.objects.get(pk=visit.pk).is_frozen:
            return redirect("qa:visit_record", visit_pk=visit.pk)
    else:
        messages.success(request, "The visit is completed and its report is frozen.")
    return redirect("qa:visit_detail", visit_pk=visit.pk)


@require_POST
@permission_required("qa_visit.record")
def visit_correct(request, visit_pk):
    visit = _visit_or_404(request, visit_pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the reason for the correction; it is kept with the new version.")
        return redirect("qa:visit_detail", visit_pk=visit.pk)
    try:
        new = services.visit_correct(visit=visit, by=request.membership, reason=form.cleaned_data["reason"])
    except DomainError as error:
        _show_refusal(request, error)
        return redirect("qa:visit_detail", visit_pk=visit.pk)
    messages.success(request, f"Version {new.version} is open for the correction.")
    return redirect("qa:visit_record", visit_pk=new.pk)


@permission_required("qa_visit.read")
def visit_report_pdf(request, visit_pk):
    visit = _visit_or_404(request, visit_pk)
    if not visit.is_frozen:
        raise Http404("The report exists once the visit is completed.")
    return _pdf(
        documents.visit_report_pdf(visit),
        f"qa-visit-{slugify(visit.provider.legal_name)}-{visit.visit_date:%Y-%m-%d}-v{visit.version}.pdf",
    )


@permission_required("qa_visit.record")
def blank_form_pdf(request, visit_pk):
    visit = _visit_or_404(request, visit_pk)
    return _pdf(
        documents.blank_form_pdf(visit, membership=request.membership),
        f"qa-visit-form-{slugify(visit.provider.legal_name)}-{visit.planned_for:%Y-%m-%d}.pdf",
    )


# --- Actions ------------------------------------------------------------------------------------------------------


@permission_required("qa_action.read")
def action_detail(request, action_pk):
    action = _action_or_404(request, action_pk)
    can_respond = has_perm(request.membership, "qa_action.respond")
    can_close = has_perm(request.membership, "qa_action.close")
    respond_form = RespondForm(request.POST if request.POST.get("respond") else None)
    close_form = CloseActionForm(request.POST if request.POST.get("close") else None)
    if request.method == "POST":
        if (request.POST.get("respond") and not can_respond) or (request.POST.get("close") and not can_close):
            raise PermissionDenied("Your role does not do this to improvement actions.")
        try:
            if request.POST.get("respond") and can_respond and respond_form.is_valid():
                services.action_respond(
                    action=action, by=request.membership, text=respond_form.cleaned_data["text"]
                )
                messages.success(request, "Your response is recorded and the visitor is told.")
                return redirect("qa:action_detail", action_pk=action.pk)
            if request.POST.get("close") and can_close and close_form.is_valid():
                services.action_close(
                    action=action, by=request.membership, evidence=close_form.cleaned_data["evidence"]
                )
                messages.success(request, "The action is closed.")
                return redirect("qa:action_detail", action_pk=action.pk)
            if not (can_respond or can_close):
                raise PermissionDenied("Your role does not change improvement actions.")
            messages.error(request, "Nothing was recorded: fill in the box and try again.")
        except DomainError as error:
            _show_refusal(request, error)
    return render(
        request,
        "qa/action_detail.html",
        {
            "action": action,
            "responses": action.responses.order_by("at", "pk"),
            "respond_form": respond_form,
            "close_form": close_form,
            "can_respond": can_respond and action.status == ImprovementAction.Status.OPEN,
            "can_close": can_close and action.status == ImprovementAction.Status.OPEN,
            "today": timezone.localdate(),
        },
    )


# --- Decisions ----------------------------------------------------------------------------------------------------


@permission_required("qa_flag.decide")
def flag_list(request):
    return render(
        request,
        "qa/flag_list.html",
        {
            "waiting": selectors.flags_waiting(),
            "decided": ProviderFlag.objects.exclude(decision="").select_related("provider", "decided_by")[
                :50
            ],
        },
    )


@permission_required("qa_flag.decide")
def flag_decide(request, flag_pk):
    flag = get_visible_or_404(
        ProviderFlag.objects.select_related("provider", "visit", "action"), request.membership, pk=flag_pk
    )
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_decide(
                flag=flag,
                by=request.membership,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                new_date=form.cleaned_data["new_date"],
            )
        except DomainError as error:
            _show_refusal(request, error)
        else:
            messages.success(request, "The decision is recorded in the provider's approval history.")
            return redirect("qa:flag_list")
    return render(request, "qa/flag_decide.html", {"flag": flag, "form": form})


# --- Framework ----------------------------------------------------------------------------------------------------


@permission_required("qa_framework.edit")
def framework_edit(request):
    current = services.framework_current(trust=request.trust)
    form = FrameworkForm(request.POST or None, initial={"items": framework_as_text(current)})
    if request.method == "POST" and form.is_valid():
        try:
            framework = services.framework_adapt(
                trust=request.trust,
                by=request.membership,
                items=form.cleaned_data["items"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            _show_refusal(request, error)
        else:
            messages.success(
                request, f"Version {framework.version} of the framework is now in use for new visits."
            )
            return redirect("qa:framework")
    items = selectors.framework_items(current)
    return render(
        request,
        "qa/framework.html",
        {
            "framework": current,
            "form": form,
            "parts": [(label, items[value]) for value, label in Part.choices],
            "versions": current.__class__.objects.order_by("-version")[:20],
        },
    )


# --- Calendar -----------------------------------------------------------------------------------------------------


@permission_required("qa_visit.record")
def calendar_settings(request):
    feed = CalendarFeed.objects.filter(user=request.user).first()
    if request.method == "POST":
        # The first press makes the link; a later one replaces it.
        if feed is None:
            services.calendar_feed_for(membership=request.membership)
            messages.success(request, "Your calendar link is ready.")
        else:
            services.calendar_feed_reset(membership=request.membership)
            messages.success(request, "Your calendar link is new; the old one no longer works.")
        return redirect("qa:calendar")
    url = (
        request.build_absolute_uri(reverse("qa:calendar_feed", kwargs={"feed_token": feed.token}))
        if feed is not None
        else None
    )
    return render(request, "qa/calendar.html", {"feed_url": url})


def calendar_feed_view(request, feed_token):
    """The secret link a calendar app polls: no sign-in, so the token alone opens one person's visits in one
    trust, and nothing else."""
    with scopes_disabled(), rls.bypass():
        feed = CalendarFeed.objects.filter(token=feed_token).select_related("trust", "user").first()
    if feed is None or not feed.user.is_active:
        raise Http404("Not found.")
    with scope(trust=feed.trust_id), rls.trust_context(feed.trust_id):
        data = calendar_feed.visits_ical(feed=feed)
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="qa-visits.ics"'
    return response
