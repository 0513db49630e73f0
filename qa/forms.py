"""Forms of the qa app. Forms parse and check shapes; the services apply the rules."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth import get_user_model

from placements.forms import DateInput, TimeInput
from qa.models import ImprovementAction, Outcome, Part, ProviderFlag, Rating, Visit, VisitCheck
from trusts.models import Membership
from trusts.permissions import roles_for

# Blank improvement-plan lines offered under the existing ones.
EXTRA_ACTION_ROWS = 2


def visitor_choices(trust):
    """The people of the trust whose role records QA visits."""
    user_ids = (
        Membership.objects.active()
        .filter(trust=trust, role__in=sorted(roles_for("qa_visit.record")))
        .values("user_id")
    )
    return get_user_model().objects.filter(pk__in=user_ids).order_by("last_name", "first_name", "pk")


class VisitorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class PlanForm(forms.Form):
    planned_for = forms.DateField(label="Date of the visit", widget=DateInput())
    visitor = VisitorChoiceField(queryset=None, label="Visitor")

    def __init__(self, *args, trust, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visitor"].queryset = visitor_choices(trust)


class DetailsForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = [
            "visit_date",
            "start_time",
            "location",
            "other_visitors",
            "met_with",
            "strengths",
            "comments",
            "outcome",
            "next_visit_date",
        ]
        widgets = {
            "visit_date": DateInput(),
            "start_time": TimeInput(),
            "next_visit_date": DateInput(),
            "strengths": forms.Textarea(attrs={"rows": 3}),
            "comments": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.RadioSelect(),
        }
        labels = {"met_with": "Who you met at the provider", "other_visitors": "Other visitors"}


def _date(value: str, problems: list, what: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{what}: give a date like 2026-11-30.")
        return None


def parse_visit_post(post, *, items, pupils) -> tuple[dict, list[str]]:
    """The checks, ratings, pupils seen and improvement plan from a posted visit form, as the service takes
    them. Shape problems (an unknown rating, a malformed date) come back as messages."""
    problems = []
    checks, ratings = {}, {}
    for item in items:
        if item.part == Part.STANDARD:
            value = post.get(f"rating-{item.pk}", "")
            if value not in ("", *Rating.values):
                problems.append(
                    f"Standard {item.code}: the rating must be Fully, Partially, Limited evidence or Not at all."
                )
                value = ""
            ratings[item.pk] = {"rating": value, "evidence": post.get(f"evidence-{item.pk}", "")}
        else:
            answer = post.get(f"check-{item.pk}", "")
            if answer not in ("", *VisitCheck.Answer.values):
                problems.append(f"Check {item.code}: answer yes, no or not applicable.")
                answer = ""
            checks[item.pk] = {
                "answer": answer,
                "seen": post.get(f"seen-{item.pk}", ""),
                "follow_up": post.get(f"follow_up-{item.pk}", ""),
            }
    seen = {}
    for pupil in pupils:
        if post.get(f"pupil-{pupil.pk}"):
            seen[pupil.pk] = post.get(f"voice-{pupil.pk}", "")
    actions = []
    count = int(post.get("action-count", "0") or 0) if str(post.get("action-count", "0")).isdigit() else 0
    for n in range(min(count, 100)):
        row = {
            "area": post.get(f"action-{n}-area", ""),
            "action": post.get(f"action-{n}-action", ""),
            "rag": post.get(f"action-{n}-rag", ""),
            "owner": post.get(f"action-{n}-owner", ""),
            "due_date": _date(post.get(f"action-{n}-due_date"), problems, f"Improvement plan line {n + 1}"),
        }
        raw_id = post.get(f"action-{n}-id", "")
        row["id"] = int(raw_id) if raw_id.isdigit() else None
        actions.append(row)
    return {"checks": checks, "ratings": ratings, "pupils": seen, "actions": actions}, problems


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class CloseActionForm(forms.Form):
    evidence = forms.CharField(
        label="Evidence that it is done", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class RespondForm(forms.Form):
    text = forms.CharField(label="Your response", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (ProviderFlag.Decision.SUSPENDED, "Suspend the provider"),
            (ProviderFlag.Decision.NEW_DATE, "Accept a new date"),
        ],
        widget=forms.RadioSelect,
    )
    new_date = forms.DateField(required=False, widget=DateInput(), label="New date (when accepting one)")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class FrameworkForm(forms.Form):
    """The framework as text, one item a line: ``part | section | code | wording | evidence types``."""

    items = forms.CharField(widget=forms.Textarea(attrs={"rows": 24, "class": "font-monospace small"}))
    note = forms.CharField(label="What changed", max_length=500)

    def clean_items(self):
        rows = []
        problems = []
        for n, line in enumerate(self.cleaned_data["items"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) < 4:
                problems.append(f"Line {n}: write part | section | code | wording | evidence types.")
                continue
            part, section, code, text = parts[:4]
            types = [t.strip() for t in (parts[4] if len(parts) > 4 else "").split(",") if t.strip()]
            rows.append(
                {"part": part, "section": section, "code": code, "text": text, "evidence_types": types}
            )
        if problems:
            raise forms.ValidationError(problems)
        return rows


def framework_as_text(framework) -> str:
    return "\n".join(
        f"{i.part} | {i.section} | {i.code} | {i.text} | {', '.join(i.evidence_types)}"
        for i in framework.items.order_by("part", "order")
    )


RAG_CHOICES = ImprovementAction.RAG.choices
OUTCOME_CHOICES = Outcome.choices
