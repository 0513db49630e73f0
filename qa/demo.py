"""Quality assurance for the demo: for each trust, completed visits with mixed ratings (two to one provider, so
its page draws a line), open and closed improvement actions, a "does not meet" outcome waiting for the trust
admin's decision, a visit overdue, and a visit coming up next week.

Deterministic and idempotent: a trust that has any QA visit is left as it is.
"""

from __future__ import annotations

from datetime import date

from placements.models import Placement
from qa import selectors, services
from qa.models import ImprovementAction, Part, Visit
from trusts.models import Membership
from trusts.roles import Role

# The demo's "today": the Friday before the demo's Monday.
DEMO_TODAY = date(2026, 11, 20)


def _rating_for(code: str, pattern: str) -> str:
    """A spread of ratings: a weak visit rates safeguarding and health and safety low, a good one mostly
    fully with a few partially."""
    if pattern == "weak":
        return {"1": "limited", "2": "not_at_all", "3": "partially"}.get(code[0], "partially")
    if pattern == "improving":
        return "fully" if code not in ("2g", "3d", "4b") else "partially"
    return "partially" if code[0] in "24" else "fully"


def _visitor(trust, provider):
    """An AP lead of a school with pupils at the provider, or else the trust admin."""
    school_ids = Placement.objects.current().filter(provider=provider).values("school_id")
    lead = (
        Membership.objects.active()
        .filter(trust=trust, role=Role.AP_LEAD, school_id__in=school_ids)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return (
        lead or Membership.objects.active().filter(trust=trust, role=Role.TRUST_ADMIN).order_by("pk").first()
    )


def _record(
    *, provider, by, day: date, outcome: str, pattern: str, actions, next_visit: date, strengths: str
) -> Visit:
    visit = services.visit_plan(provider=provider, by=by, planned_for=day, visitor=by.user, on=day)
    visit = services.visit_start(visit=visit, by=by, on=day)
    items = list(visit.framework.items.all())
    pupils = list(selectors.placed_pupils(provider, by, on=day)[:2])
    voices = (
        "I like it here; the staff listen and I'm getting my level 1.",
        "It's better than school. I want to go to college for motor vehicle.",
    )
    data = {
        "visit_date": day,
        "location": provider.address,
        "met_with": f"{provider.contact_name} (manager); {provider.dsl_name or 'the DSL'}",
        "strengths": strengths,
        "outcome": outcome,
        "next_visit_date": next_visit,
        "checks": {
            i.pk: {"answer": "yes", "seen": "Seen on the day."} for i in items if i.part != Part.STANDARD
        },
        "ratings": {
            i.pk: {
                "rating": _rating_for(i.code, pattern),
                "evidence": f"Discussed with the manager and seen on the learning walk ({i.code}).",
            }
            for i in items
            if i.part == Part.STANDARD
        },
        "pupils": {p.pk: voices[n % 2] for n, p in enumerate(pupils)},
        "actions": actions,
    }
    visit = services.visit_save(visit=visit, by=by, revision=visit.revision, data=data, on=day)
    return services.visit_complete(visit=visit, by=by, on=day)


def seed(people, context) -> None:
    from django_scopes import scope

    for trust in context["trusts"].values():
        with scope(trust=trust.pk):
            if Visit.objects.exists():
                continue
            services.framework_current(trust=trust)
            placed = sorted(
                {p.provider for p in Placement.objects.current().select_related("provider")},
                key=lambda p: p.legal_name,
            )
            if not placed:
                continue
            good = placed[0]
            by = _visitor(trust, good)
            first = _record(
                provider=good,
                by=by,
                day=date(2026, 9, 28),
                outcome="meets_most",
                pattern="improving",
                actions=[
                    {
                        "area": "Fire safety",
                        "action": "Hold a fire drill and keep the log with the date and time taken",
                        "rag": "amber",
                        "owner": good.contact_name,
                        "due_date": date(2026, 10, 16),
                    },
                    {
                        "area": "Attendance",
                        "action": "Phone the school within 30 minutes of the session start for every absence",
                        "rag": "red",
                        "owner": good.contact_name,
                        "due_date": date(2026, 10, 9),
                    },
                ],
                next_visit=date(2026, 11, 6),
                strengths="Calm, purposeful workshop; strong relationships between staff and pupils.",
            )
            for action in ImprovementAction.objects.filter(visit=first):
                services.action_close(
                    action=action,
                    by=by,
                    evidence="Seen on the follow-up call: log and call records in place.",
                )
            _record(
                provider=good,
                by=by,
                day=date(2026, 11, 6),
                outcome="meets_most",
                pattern="good",
                actions=[
                    {
                        "area": "Quality of education",
                        "action": "Session plans to name what each group will learn",
                        "rag": "green",
                        "owner": good.contact_name,
                        "due_date": date(2026, 12, 11),
                    }
                ],
                next_visit=date(2027, 1, 22),
                strengths="Pupils speak well of the staff; progress reports arrive on time.",
            )
            # Next week's visit, planned: the visitor has been reminded.
            services.visit_plan(
                provider=good, by=by, planned_for=date(2026, 11, 26), visitor=by.user, on=DEMO_TODAY
            )
            if len(placed) > 1:
                weak = placed[1]
                weak_by = _visitor(trust, weak)
                _record(
                    provider=weak,
                    by=weak_by,
                    day=date(2026, 10, 12),
                    outcome="does_not_meet",
                    pattern="weak",
                    actions=[
                        {
                            "area": "Safeguarding",
                            "action": "Send the single central record and DBS assurance letter for all staff",
                            "rag": "red",
                            "owner": weak.dsl_name or weak.contact_name,
                            "due_date": date(2026, 10, 30),
                        },
                        {
                            "area": "Health and safety",
                            "action": "Risk assess the workshop machinery and train staff in its use",
                            "rag": "red",
                            "owner": weak.contact_name,
                            "due_date": date(2026, 11, 13),
                        },
                    ],
                    # The re-visit should have happened by now: overdue on the schedule.
                    next_visit=date(2026, 11, 13),
                    strengths="Pupils attend well and like the practical work.",
                )
            services.qa_reconcile(trust=trust, on=DEMO_TODAY)
