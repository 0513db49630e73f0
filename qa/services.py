"""Writes of the qa app: the framework and its versions, planning and recording visits, completing (freezing)
and correcting them, improvement actions, the decisions a poor outcome asks for, and the daily reconciler."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from providers import services as provider_services
from providers.models import ApprovalEvent, Provider
from qa import framework_data, selectors
from qa.models import (
    ActionResponse,
    CalendarFeed,
    Framework,
    FrameworkItem,
    ImprovementAction,
    Outcome,
    Part,
    ProviderFlag,
    Rating,
    Visit,
    VisitCheck,
    VisitPupil,
    VisitRating,
    new_feed_token,
)
from trusts.errors import DomainError
from trusts.models import Membership
from trusts.permissions import has_perm, require
from trusts.recipients import Directory, Subject, alert, alert_each
from trusts.selectors import trust_policy

# Improvement actions are reminded this many days before they fall due.
ACTION_DUE_WARNING_DAYS = 3


def _label(user) -> str:
    return user.get_full_name() or user.get_username()


def _visit_url(visit) -> str:
    return reverse("qa:visit_detail", kwargs={"visit_pk": visit.pk})


# --- The framework -------------------------------------------------------------------------------------------


def framework_current(*, trust) -> Framework:
    """The trust's current framework, seeded from the national standards the first time it is asked for."""
    current = Framework.objects.filter(trust=trust, is_current=True).first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            framework = Framework.objects.create(
                trust=trust, name=framework_data.FRAMEWORK_NAME, version=1, is_current=True
            )
            FrameworkItem.objects.bulk_create(
                [
                    FrameworkItem(trust=trust, framework=framework, **item)
                    for item in framework_data.initial_items()
                ]
            )
        return framework
    except IntegrityError:
        # Someone else seeded it at the same moment.
        return Framework.objects.get(trust=trust, is_current=True)


def framework_adapt(*, trust, by: Membership, items: list[dict], note: str) -> Framework:
    """A new version of the framework with ``items`` (dicts of part, section, code, text, evidence_types).
    Visits already recorded keep the version they used."""
    require(by, "qa_framework.edit", "Only the trust admin adapts the QA framework.")
    problems = []
    if not (note or "").strip():
        problems.append("Say what changed; it is kept with the new version.")
    seen = set()
    for n, item in enumerate(items, start=1):
        if item.get("part") not in Part.values:
            problems.append(f"Line {n}: the part must be one of {', '.join(Part.values)}.")
        if not (item.get("code") or "").strip() or not (item.get("text") or "").strip():
            problems.append(f"Line {n}: every item needs a code and its wording.")
        key = (item.get("part"), (item.get("code") or "").strip())
        if key in seen:
            problems.append(f"Line {n}: the code {key[1]} is used twice in the same part.")
        seen.add(key)
    if not any(item.get("part") == Part.STANDARD for item in items):
        problems.append("Keep at least one standard to rate.")
    if problems:
        raise DomainError("The framework was not changed.", problems=problems)
    with transaction.atomic():
        current = framework_current(trust=trust)
        current = Framework.objects.select_for_update().get(pk=current.pk)
        Framework.objects.filter(pk=current.pk).update(is_current=False)
        framework = Framework.objects.create(
            trust=trust,
            name=current.name,
            version=current.version + 1,
            is_current=True,
            based_on=current,
            note=note.strip()[:500],
            created_by=by.user,
        )
        orders = {}
        rows = []
        for item in items:
            orders[item["part"]] = orders.get(item["part"], 0) + 1
            rows.append(
                FrameworkItem(
                    trust=trust,
                    framework=framework,
                    part=item["part"],
                    section=(item.get("section") or "").strip()[:120] or "General",
                    code=item["code"].strip()[:12],
                    text=item["text"].strip(),
                    evidence_types=list(item.get("evidence_types") or []),
                    order=orders[item["part"]],
                )
            )
        FrameworkItem.objects.bulk_create(rows)
    return framework


# --- Planning and recording ------------------------------------------------------------------------------------


def _require_visitor(by: Membership) -> None:
    require(by, "qa_visit.record", "Your role does not record QA visits.")


def visit_plan(
    *, provider: Provider, by: Membership, planned_for: date | None, visitor, on: date | None = None
) -> Visit:
    """Plan a visit to a provider that has pupils placed, with a visitor who may record visits."""
    _require_visitor(by)
    on = on or timezone.localdate()
    problems = []
    from placements.models import Placement

    if not Placement.objects.current().filter(provider=provider).exists():
        raise DomainError(
            f"No pupils are placed at {provider}, so it has no QA visit to plan. "
            "Visits follow placements: plan one once a placement is agreed."
        )
    if planned_for is None:
        problems.append("Give the date of the visit.")
    elif planned_for < on:
        problems.append("The planned date has passed: choose today or a later date.")
    visitor_membership = (
        Membership.objects.active().filter(user=visitor, trust_id=provider.trust_id).first()
        if visitor
        else None
    )
    if visitor_membership is None or not has_perm(visitor_membership, "qa_visit.record"):
        problems.append("Choose a visitor from the trust's staff who record QA visits.")
    if problems:
        raise DomainError("The visit was not planned.", problems=problems)
    return Visit.objects.create(
        trust_id=provider.trust_id,
        provider=provider,
        framework=framework_current(trust=provider.trust),
        planned_for=planned_for,
        visitor=visitor,
        created_by=by.user,
    )


def visit_start(*, visit: Visit, by: Membership, on: date | None = None) -> Visit:
    """Open a planned visit for recording (on site, often on a phone). Safe to call again."""
    _require_visitor(by)
    if visit.is_frozen:
        raise DomainError("This visit is completed and cannot be changed. Start a correction instead.")
    if visit.status == Visit.Status.PLANNED:
        updated = Visit.objects.filter(pk=visit.pk, status=Visit.Status.PLANNED).update(
            status=Visit.Status.IN_PROGRESS,
            visit_date=visit.visit_date or on or timezone.localdate(),
            location=visit.location or visit.provider.address.replace("\n", ", ")[:300],
        )
        if updated:
            visit.refresh_from_db()
            # An update writes no signal (qa.apps): the schedule is told here.
            selectors.forget_schedule(visit.trust_id)
    return visit


def _parse_rating(value: str) -> str:
    if value in ("", None):
        return ""
    if value not in Rating.values:
        raise DomainError(
            "A rating must be one of Fully, Partially, Limited evidence or Not at all.", field="ratings"
        )
    return value


def visit_save(*, visit: Visit, by: Membership, revision: int, data: dict, on: date | None = None) -> Visit:
    """Save what has been recorded so far. ``data`` holds the details (visit_date, start_time, location,
    other_visitors, met_with, strengths, comments, outcome, next_visit_date), ``checks`` {item id: {answer,
    seen, follow_up}}, ``ratings`` {item id: {rating, evidence}}, ``pupils`` {pupil id: voice} and ``actions``
    [{id?, area, action, rag, owner, due_date}].

    Refused, with nothing changed, if the visit is completed or someone else saved it since ``revision``.
    """
    _require_visitor(by)
    on = on or timezone.localdate()
    problems = []
    items = {item.pk: item for item in visit.framework.items.all()}
    checks = data.get("checks", {})
    ratings = data.get("ratings", {})
    for item_id, answer in checks.items():
        item = items.get(item_id)
        if item is None or item.part == Part.STANDARD:
            problems.append("An answer was given to a check that is not in this visit's framework.")
        elif answer.get("answer", "") not in ("", *VisitCheck.Answer.values):
            problems.append(f"Check {item.code}: answer yes, no or not applicable.")
    for item_id, rating in ratings.items():
        item = items.get(item_id)
        if item is None or item.part != Part.STANDARD:
            problems.append("A rating was given to a standard that is not in this visit's framework.")
            continue
        try:
            _parse_rating(rating.get("rating", ""))
        except DomainError:
            problems.append(
                f"Standard {item.code}: the rating must be Fully, Partially, Limited evidence or Not at all."
            )
    if data.get("outcome") and data["outcome"] not in Outcome.values:
        problems.append("Choose one of the outcomes offered.")
    visit_date = data.get("visit_date")
    if visit_date and visit_date > on + timedelta(days=366):
        problems.append("The visit date is more than a year away: check the year.")
    next_visit = data.get("next_visit_date")
    if next_visit and visit_date and next_visit <= visit_date:
        problems.append("The next visit must come after this one.")
    pupil_ids = set(data.get("pupils", {}))
    allowed = set(selectors.placed_pupils(visit.provider, by, on=on).values_list("pk", flat=True))
    allowed |= set(visit.pupils_seen.values_list("pupil_id", flat=True))
    if pupil_ids - allowed:
        problems.append("A pupil recorded as seen is not placed at this provider.")
    action_rows = []
    for n, row in enumerate(data.get("actions", []), start=1):
        filled = [k for k in ("area", "action", "owner") if (row.get(k) or "").strip()] + (
            ["due_date"] if row.get("due_date") else []
        )
        if not filled and not row.get("rag"):
            continue
        missing = []
        if not (row.get("area") or "").strip():
            missing.append("the area")
        if not (row.get("action") or "").strip():
            missing.append("the action")
        if not (row.get("owner") or "").strip():
            missing.append("who will do it")
        if not row.get("due_date"):
            missing.append("a due date")
        if row.get("rag") not in ImprovementAction.RAG.values:
            missing.append("a RAG rating")
        if missing:
            problems.append(f"Improvement plan line {n}: give {', '.join(missing)}.")
        action_rows.append(row)
    if problems:
        raise DomainError("Nothing was saved: put these right and save again.", problems=problems)

    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.is_frozen:
            raise DomainError(
                f"This visit was completed by {_label(locked.completed_by)} at "
                f"{timezone.localtime(locked.completed_at):%H:%M on %d %b %Y}; your changes were not saved. "
                "Start a correction to change it."
            )
        if locked.revision != revision:
            raise DomainError(
                "Someone else saved this visit while you were editing it. Your entries are still on the page: "
                "reload the visit to see theirs, then add yours again."
            )
        for name in (
            "visit_date",
            "start_time",
            "location",
            "other_visitors",
            "met_with",
            "strengths",
            "comments",
            "outcome",
            "next_visit_date",
        ):
            if name in data:
                value = data[name]
                if isinstance(value, str):
                    value = value.strip()
                setattr(locked, name, value if value is not None or name.endswith(("date", "time")) else "")
        if locked.status == Visit.Status.PLANNED:
            locked.status = Visit.Status.IN_PROGRESS
        locked.revision += 1
        locked.save()
        for item_id, answer in checks.items():
            VisitCheck.objects.update_or_create(
                trust_id=locked.trust_id,
                visit=locked,
                item_id=item_id,
                defaults={
                    "answer": answer.get("answer", ""),
                    "seen": (answer.get("seen") or "").strip(),
                    "follow_up": (answer.get("follow_up") or "").strip(),
                },
            )
        for item_id, rating in ratings.items():
            VisitRating.objects.update_or_create(
                trust_id=locked.trust_id,
                visit=locked,
                item_id=item_id,
                defaults={
                    "rating": rating.get("rating", ""),
                    "evidence": (rating.get("evidence") or "").strip(),
                },
            )
        if "pupils" in data:
            locked.pupils_seen.exclude(pupil_id__in=pupil_ids).delete()
            for pupil_id, voice in data["pupils"].items():
                VisitPupil.objects.update_or_create(
                    trust_id=locked.trust_id,
                    visit=locked,
                    pupil_id=pupil_id,
                    defaults={"voice": (voice or "").strip()},
                )
        if "actions" in data:
            keep = []
            existing = {a.pk: a for a in locked.actions.all()}
            for row in action_rows:
                fields = {
                    "area": row["area"].strip()[:300],
                    "action": row["action"].strip(),
                    "rag": row["rag"],
                    "owner": row["owner"].strip()[:200],
                    "due_date": row["due_date"],
                }
                action = existing.get(row.get("id"))
                if action is None:
                    action = ImprovementAction.objects.create(
                        trust_id=locked.trust_id, visit=locked, provider_id=locked.provider_id, **fields
                    )
                else:
                    for key, value in fields.items():
                        setattr(action, key, value)
                    action.save()
                keep.append(action.pk)
            locked.actions.exclude(pk__in=keep).delete()
    return locked


def completion_problems(visit: Visit, *, on: date) -> list[str]:
    problems = []
    if visit.visit_date is None:
        problems.append("Give the date of the visit.")
    elif visit.visit_date > on:
        problems.append(
            f"The visit is dated {visit.visit_date:%d %B %Y}, in the future: a visit is completed on or after "
            "the day it took place."
        )
    if not visit.met_with.strip():
        problems.append("Say whom you met at the provider.")
    standards = list(visit.framework.items.filter(part=Part.STANDARD).order_by("order"))
    rated = {r.item_id: r for r in visit.ratings.all()}
    unrated = [s.code for s in standards if not (rated.get(s.pk) and rated[s.pk].rating)]
    if unrated:
        problems.append(f"Rate every standard: {', '.join(unrated)} not rated yet.")
    no_evidence = [
        s.code
        for s in standards
        if rated.get(s.pk) and rated[s.pk].rating and not rated[s.pk].evidence.strip()
    ]
    if no_evidence:
        problems.append(f"Give the evidence seen for {', '.join(no_evidence)}.")
    if not visit.outcome:
        problems.append("Choose the overall outcome.")
    if visit.outcome in (Outcome.MEETS_MOST, Outcome.DOES_NOT_MEET) and not visit.actions.exists():
        problems.append("An outcome short of meeting every standard needs an improvement plan.")
    if visit.next_visit_date is None:
        problems.append("Give the date of the next visit.")
    elif visit.visit_date and visit.next_visit_date <= visit.visit_date:
        problems.append("The next visit must come after this one.")
    return problems


def visit_complete(*, visit: Visit, by: Membership, on: date | None = None) -> Visit:
    """Finish the visit and freeze it. Two people finishing at once: the first wins, the second is told."""
    _require_visitor(by)
    on = on or timezone.localdate()
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.is_frozen:
            raise DomainError(
                f"This visit was already completed by {_label(locked.completed_by)} at "
                f"{timezone.localtime(locked.completed_at):%H:%M on %d %b %Y}. Nothing was lost: its report is "
                "below."
            )
        if locked.status != Visit.Status.IN_PROGRESS:
            raise DomainError("Record the visit before completing it.")
        problems = completion_problems(locked, on=on)
        if problems:
            raise DomainError("The visit is saved but not completed yet.", problems=problems)
        locked.pre_visit_snapshot = selectors.pre_visit_checks(locked)
        locked.status = Visit.Status.COMPLETED
        locked.completed_at = timezone.now()
        locked.completed_by = by.user
        locked.revision += 1
        if locked.previous_id:
            previous = Visit.objects.select_for_update().get(pk=locked.previous_id)
            previous.is_current = False
            previous.save(update_fields=["is_current", "updated_at"])
            # The corrected version's actions take over: responses move with them.
            for action in locked.actions.filter(carried_from__isnull=False):
                ActionResponse.objects.filter(action_id=action.carried_from_id).update(action=action)
        locked.is_current = True
        locked.save()
        if locked.outcome == Outcome.DOES_NOT_MEET:
            _flag(
                provider=locked.provider,
                reason=ProviderFlag.Reason.DOES_NOT_MEET,
                visit=locked if not locked.previous_id else _first_version(locked),
            )
    return locked


def _first_version(visit: Visit) -> Visit:
    while visit.previous_id:
        visit = visit.previous
    return visit


def visit_correct(*, visit: Visit, by: Membership, reason: str) -> Visit:
    """A correction of a completed visit: a new version, copied from it and open for editing, with the reason.
    The completed version stays as it was, and current, until the correction is completed."""
    _require_visitor(by)
    if not (reason or "").strip():
        raise DomainError(
            "Give the reason for the correction; it is kept with the new version.", field="reason"
        )
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if not locked.is_frozen or not locked.is_current:
            raise DomainError("Only the current completed version of a visit can be corrected.")
        if Visit.objects.filter(previous=locked).exists():
            raise DomainError("A correction of this visit is already under way: open it from the visit page.")
        new = Visit.objects.create(
            trust_id=locked.trust_id,
            provider=locked.provider,
            framework=locked.framework,
            status=Visit.Status.IN_PROGRESS,
            planned_for=locked.planned_for,
            visitor=locked.visitor,
            visit_date=locked.visit_date,
            start_time=locked.start_time,
            location=locked.location,
            other_visitors=locked.other_visitors,
            met_with=locked.met_with,
            strengths=locked.strengths,
            comments=locked.comments,
            outcome=locked.outcome,
            next_visit_date=locked.next_visit_date,
            version=locked.version + 1,
            previous=locked,
            correction_reason=reason.strip(),
            is_current=False,
            created_by=by.user,
        )
        VisitCheck.objects.bulk_create(
            [
                VisitCheck(
                    trust_id=c.trust_id,
                    visit=new,
                    item_id=c.item_id,
                    answer=c.answer,
                    seen=c.seen,
                    follow_up=c.follow_up,
                )
                for c in locked.checks.all()
            ]
        )
        VisitRating.objects.bulk_create(
            [
                VisitRating(
                    trust_id=r.trust_id, visit=new, item_id=r.item_id, rating=r.rating, evidence=r.evidence
                )
                for r in locked.ratings.all()
            ]
        )
        VisitPupil.objects.bulk_create(
            [
                VisitPupil(trust_id=p.trust_id, visit=new, pupil_id=p.pupil_id, voice=p.voice)
                for p in locked.pupils_seen.all()
            ]
        )
        for action in locked.actions.all():
            ImprovementAction.objects.create(
                trust_id=action.trust_id,
                visit=new,
                provider_id=action.provider_id,
                area=action.area,
                action=action.action,
                rag=action.rag,
                owner=action.owner,
                due_date=action.due_date,
                status=action.status,
                closed_at=action.closed_at,
                closed_by=action.closed_by,
                closing_evidence=action.closing_evidence,
                carried_from=action,
            )
    return new


# --- Improvement actions ---------------------------------------------------------------------------------------


def action_respond(*, action: ImprovementAction, by: Membership, text: str) -> ActionResponse:
    """The provider's response to an action (what it has done, or why it cannot yet)."""
    require(by, "qa_action.respond", "Only the provider's staff respond to its improvement actions.")
    if by.provider_id != action.provider_id:
        raise DomainError("Only the provider's own staff respond to its improvement actions.")
    if not (text or "").strip():
        raise DomainError("Write the response.", field="text")
    response = ActionResponse.objects.create(
        trust_id=action.trust_id,
        action=action,
        provider_id=action.provider_id,
        author=by.user,
        author_label=_label(by.user),
        text=text.strip(),
    )
    alert(
        kind="qa.action_response",
        trust=action.trust,
        key=f"qa.action_response:{response.pk}",
        subject=f"{action.provider} responded to an improvement action",
        body=f"{action.provider} responded to '{action.area}': {text.strip()[:300]}",
        url=reverse("qa:action_detail", kwargs={"action_pk": action.pk}),
        provider=action.provider,
        person=[action.visit.visitor],
    )
    return response


def action_close(*, action: ImprovementAction, by: Membership, evidence: str) -> ImprovementAction:
    """Close an action with the evidence that it is done."""
    require(by, "qa_action.close", "Your role does not close improvement actions.")
    if not (evidence or "").strip():
        raise DomainError("Say what evidence shows the action is done.", field="evidence")
    with transaction.atomic():
        locked = ImprovementAction.objects.select_for_update().get(pk=action.pk)
        if locked.status == ImprovementAction.Status.CLOSED:
            raise DomainError(f"This action was already closed by {_label(locked.closed_by)}.")
        if not (locked.visit.is_frozen and locked.visit.is_current):
            raise DomainError("Close actions on the current version of a completed visit.")
        locked.status = ImprovementAction.Status.CLOSED
        locked.closed_at = timezone.now()
        locked.closed_by = by.user
        locked.closing_evidence = evidence.strip()
        locked.save()
    return locked


# --- Flags and decisions ------------------------------------------------------------------------------------------


def _flag(*, provider, reason, visit=None, action=None, directory=None) -> ProviderFlag | None:
    """Raise a flag once (per visit, per action) and ask the trust admins to decide."""
    try:
        with transaction.atomic():
            flag = ProviderFlag.objects.create(
                trust_id=provider.trust_id,
                provider=provider,
                reason=reason,
                visit=visit,
                action=action,
                raised_at=timezone.now(),
            )
    except IntegrityError:
        return None
    what = (
        f"the QA visit on {visit.visit_date:%d %B %Y} found it does not meet the standards"
        if reason == ProviderFlag.Reason.DOES_NOT_MEET
        else f"the improvement action '{action.area}' is overdue (due {action.due_date:%d %B %Y})"
    )
    alert(
        kind="qa.provider_flagged",
        trust=provider.trust,
        key=f"qa.flag:{flag.pk}",
        subject=f"Decide on {provider}: QA",
        body=f"{provider} is flagged: {what}. Decide whether to suspend it or accept a new date.",
        url=reverse("qa:flag_decide", kwargs={"flag_pk": flag.pk}),
        provider=provider,
        directory=directory,
    )
    return flag


def _flag_overdue_actions(*, trust, to_flag, directory=None) -> int:
    """``_flag`` for many overdue actions at once (the reconciler): ``to_flag`` holds (provider, action) pairs.
    The flags are written in one statement (one already raised for an action is kept), read back in one, and
    the trust admins asked in one ``alert_each``; each alert's key names its flag, so a flag raised by another
    run at the same time is not announced twice. Returns how many flags this run raised."""
    if not to_flag:
        return 0
    now = timezone.now()
    ProviderFlag.objects.bulk_create(
        [
            ProviderFlag(
                trust_id=provider.trust_id,
                provider=provider,
                reason=ProviderFlag.Reason.ACTION_OVERDUE,
                action=action,
                raised_at=now,
            )
            for provider, action in to_flag
        ],
        ignore_conflicts=True,
    )
    actions = {action.pk: (provider, action) for provider, action in to_flag}
    flags = ProviderFlag.objects.filter(
        action_id__in=list(actions), reason=ProviderFlag.Reason.ACTION_OVERDUE
    ).order_by("pk")
    subjects, raised = [], 0
    for flag in flags:
        raised += flag.raised_at == now
        provider, action = actions[flag.action_id]
        subjects.append(
            Subject(
                key=f"qa.flag:{flag.pk}",
                subject=f"Decide on {provider}: QA",
                body=(
                    f"{provider} is flagged: the improvement action '{action.area}' is overdue "
                    f"(due {action.due_date:%d %B %Y}). Decide whether to suspend it or accept a new date."
                ),
                url=reverse("qa:flag_decide", kwargs={"flag_pk": flag.pk}),
                provider=provider,
            )
        )
    alert_each(kind="qa.provider_flagged", trust=trust, subjects=subjects, directory=directory)
    return raised


def flag_decide(
    *,
    flag: ProviderFlag,
    by: Membership,
    decision: str,
    reason: str,
    new_date: date | None = None,
    on: date | None = None,
) -> ProviderFlag:
    """The trust admin's decision on a flagged provider: suspend it (with the reason) or accept a new date
    (for the action, or for a re-visit). Either way it goes into the provider's approval history."""
    require(by, "qa_flag.decide", "Only the trust admin decides on a flagged provider.")
    on = on or timezone.localdate()
    problems = []
    if decision not in (ProviderFlag.Decision.SUSPENDED, ProviderFlag.Decision.NEW_DATE):
        problems.append("Choose: suspend the provider, or accept a new date.")
    if not (reason or "").strip():
        problems.append("Give the reason; it is kept in the provider's approval history.")
    if decision == ProviderFlag.Decision.NEW_DATE and (new_date is None or new_date <= on):
        problems.append("Give the new date, after today.")
    if problems:
        raise DomainError("No decision was recorded.", problems=problems)
    with transaction.atomic():
        locked = ProviderFlag.objects.select_for_update().get(pk=flag.pk)
        if locked.decision:
            raise DomainError(
                f"{_label(locked.decided_by)} already decided this flag: {locked.get_decision_display().lower()}."
            )
        provider = locked.provider
        if decision == ProviderFlag.Decision.SUSPENDED:
            if provider.status in Provider.APPROVED_STATUSES:
                provider_services.provider_suspend(
                    provider=provider, by=by, reason=f"Quality assurance: {reason.strip()}"
                )
            else:
                _history_note(
                    provider,
                    by,
                    f"Quality assurance: suspension decided ({reason.strip()}); the provider was already {provider.get_status_display().lower()}.",
                )
        else:
            if locked.action_id:
                origin = locked.action_id
                ImprovementAction.objects.filter(
                    Q(pk=origin) | Q(carried_from_id=origin) | Q(carried_from__carried_from_id=origin)
                ).update(due_date=new_date)
                what = f"new date for '{locked.action.area}': {new_date:%d %B %Y}"
            else:
                current = (
                    Visit.objects.current()
                    .completed()
                    .filter(provider=provider)
                    .order_by("-visit_date")
                    .first()
                )
                if current is not None:
                    Visit.objects.filter(pk=current.pk).update(next_visit_date=new_date)
                    selectors.forget_schedule(current.trust_id)
                what = f"re-visit by {new_date:%d %B %Y}"
            _history_note(provider, by, f"Quality assurance: {what}. {reason.strip()}")
        locked.decision = decision
        locked.decision_reason = reason.strip()
        locked.new_date = new_date if decision == ProviderFlag.Decision.NEW_DATE else None
        locked.decided_by = by.user
        locked.decided_at = timezone.now()
        locked.save()
    return locked


def _history_note(provider, by: Membership, reason: str) -> ApprovalEvent:
    """A decision that keeps the provider's status still belongs in its approval history."""
    return ApprovalEvent.objects.create(
        trust_id=provider.trust_id,
        provider=provider,
        from_status=provider.status,
        to_status=provider.status,
        actor=by.user,
        actor_label=_label(by.user),
        reason=reason[:2000],
    )


# --- The reconciler -----------------------------------------------------------------------------------------------


def qa_reconcile(*, trust, on: date | None = None) -> dict:
    """Remind visitors of planned visits, chase overdue visits, remind and chase improvement actions, and flag
    actions overdue past the policy's grace. Decides from the database; each message has its own key, so a
    re-run (or two at once) sends nothing twice."""
    on = on or timezone.localdate()
    policy = trust_policy(trust.pk)
    directory = Directory()
    sent = {"reminders": 0, "overdue": 0, "action_due": 0, "action_overdue": 0, "flags": 0}

    remind_until = on + timedelta(days=policy.qa_visit_reminder_days)
    reminders = [
        Subject(
            key=f"qa.visit_reminder:{visit.pk}:{visit.planned_for:%Y-%m-%d}",
            subject=f"QA visit to {visit.provider} on {visit.planned_for:%a %d %b}",
            body=(
                f"You are visiting {visit.provider} on {visit.planned_for:%A %d %B %Y}. The blank visit form and "
                "the provider's pre-visit checks are on the visit page."
            ),
            url=_visit_url(visit),
            provider=visit.provider,
            person=[visit.visitor],
        )
        for visit in Visit.objects.filter(
            status__in=[Visit.Status.PLANNED, Visit.Status.IN_PROGRESS],
            planned_for__gte=on,
            planned_for__lte=remind_until,
        ).select_related("provider", "visitor")
    ]
    sent["reminders"] = alert_each(
        kind="qa.visit_reminder", trust=trust, subjects=reminders, directory=directory
    )

    overdue = []
    for row in selectors.visit_schedule(on=on, trust_id=trust.pk):
        if not row.overdue:
            continue
        visit = row.in_progress or row.planned
        overdue.append(
            Subject(
                key=f"qa.visit_overdue:{row.provider.pk}:{row.due.due:%Y-%m-%d}",
                subject=f"QA visit to {row.provider} overdue",
                body=(
                    f"{row.provider} was due a QA visit by {row.due.due:%d %B %Y} ({row.due.reason})."
                    + (
                        f" A visit is planned for {visit.planned_for:%d %B %Y}."
                        if visit
                        else " No visit is planned."
                    )
                ),
                url=reverse("qa:schedule"),
                provider=row.provider,
                person=[visit.visitor] if visit else [],
            )
        )
    sent["overdue"] = alert_each(kind="qa.visit_overdue", trust=trust, subjects=overdue, directory=directory)

    grace = timedelta(days=policy.qa_action_grace_days)
    actions = (
        ImprovementAction.objects.live()
        .open()
        .filter(due_date__lte=on + timedelta(days=ACTION_DUE_WARNING_DAYS))
        .select_related("provider", "visit__visitor", "carried_from__carried_from")
    )
    # The actions already flagged: each is flagged once, so a re-run looks them up once, not once an action.
    flagged = set(
        ProviderFlag.objects.filter(reason=ProviderFlag.Reason.ACTION_OVERDUE).values_list(
            "action_id", flat=True
        )
    )
    due, late, to_flag = [], [], []
    for action in actions:
        url = reverse("qa:action_detail", kwargs={"action_pk": action.pk})
        if action.due_date >= on:
            due.append(
                Subject(
                    key=f"qa.action_due:{action.pk}:{action.due_date:%Y-%m-%d}",
                    subject=f"Improvement action due {action.due_date:%d %b}: {action.provider}",
                    body=f"'{action.area}' ({action.owner}) is due by {action.due_date:%d %B %Y}: {action.action}",
                    url=url,
                    provider=action.provider,
                    person=[action.visit.visitor],
                )
            )
            continue
        late.append(
            Subject(
                key=f"qa.action_overdue:{action.pk}:{action.due_date:%Y-%m-%d}",
                subject=f"Improvement action overdue: {action.provider}",
                body=f"'{action.area}' ({action.owner}) was due by {action.due_date:%d %B %Y}: {action.action}",
                url=url,
                provider=action.provider,
                person=[action.visit.visitor],
            )
        )
        if action.due_date + grace < on:
            origin = action
            while origin.carried_from_id:
                origin = origin.carried_from
            if origin.pk in flagged:
                continue
            flagged.add(origin.pk)
            to_flag.append((action.provider, origin))
    sent["flags"] = _flag_overdue_actions(trust=trust, to_flag=to_flag, directory=directory)
    sent["action_due"] = alert_each(kind="qa.action_due", trust=trust, subjects=due, directory=directory)
    sent["action_overdue"] = alert_each(
        kind="qa.action_overdue", trust=trust, subjects=late, directory=directory
    )
    return sent


# --- Calendar -------------------------------------------------------------------------------------------------------


def calendar_feed_for(*, membership: Membership) -> CalendarFeed:
    require(membership, "qa_visit.record", "Your role does not record QA visits.")
    feed, _ = CalendarFeed.objects.get_or_create(trust_id=membership.trust_id, user=membership.user)
    return feed


def calendar_feed_reset(*, membership: Membership) -> CalendarFeed:
    feed = calendar_feed_for(membership=membership)
    feed.token = new_feed_token()
    feed.save(update_fields=["token", "created_at"])
    return feed
