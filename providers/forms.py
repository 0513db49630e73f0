from decimal import Decimal

import django_filters
from django import forms
from django.db.models import Q

from providers import services, vetting_data
from providers.models import (
    POSTCODE_MESSAGE,
    YEAR_GROUPS,
    ChecklistAnswer,
    Provider,
    is_uk_postcode,
    normalise_postcode,
)
from providers.uploads import MAX_EVIDENCE_BYTES, UploadRefused, inspect_evidence_file
from trusts.widgets import Select


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProviderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name")
    status = django_filters.ChoiceFilter(
        widget=Select, choices=Provider.Status.choices, empty_label="Any status"
    )
    registration_status = django_filters.ChoiceFilter(
        widget=Select,
        choices=Provider.RegistrationStatus.choices,
        label="Registration",
        empty_label="Any registration",
    )
    risk_level = django_filters.ChoiceFilter(
        widget=Select, choices=Provider.RiskLevel.choices, label="Environment", empty_label="Any environment"
    )
    sort = django_filters.OrderingFilter(
        widget=Select,
        fields=(
            ("legal_name", "name"),
            ("status", "status"),
            ("registration_status", "registration"),
            ("risk_level", "risk"),
            ("approved_until", "approved_until"),
            ("next_expiry", "next_expiry"),
        ),
        label="Sort by",
        field_labels={
            "legal_name": "Name",
            "status": "Status",
            "registration_status": "Registration",
            "risk_level": "Environment",
            "approved_until": "Approved until",
            "next_expiry": "Next evidence expiry",
        },
    )

    class Meta:
        model = Provider
        fields = ["q", "status", "registration_status", "risk_level"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(legal_name__icontains=value) | Q(trading_name__icontains=value))


class ProviderForm(forms.ModelForm):
    risk_categories = forms.MultipleChoiceField(
        choices=vetting_data.ENVIRONMENT_RISK_CATEGORIES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Higher-risk activities",
    )
    website = forms.URLField(required=False, assume_scheme="https")
    year_groups = forms.MultipleChoiceField(
        choices=YEAR_GROUPS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Year groups taken",
        help_text="A placement of a pupil outside these needs a recorded reason. None ticked: not recorded.",
    )

    class Meta:
        model = Provider
        fields = services.PROVIDER_EDITABLE_FIELDS
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "offer_summary": forms.Textarea(attrs={"rows": 3}),
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "opens_at": "On a school day: a new placement's timetable starts from these hours.",
        }

    def __init__(self, *args, trust=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.trust = trust

    def clean_legal_name(self):
        name = self.cleaned_data["legal_name"].strip()
        clash = Provider.objects.filter(trust=self.trust, legal_name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("A provider with this legal name is already on the register.")
        return name

    def clean_postcode(self):
        postcode = normalise_postcode(self.cleaned_data["postcode"])
        if not is_uk_postcode(postcode):
            raise forms.ValidationError(POSTCODE_MESSAGE)
        return postcode

    def clean(self):
        data = super().clean()
        status = data.get("registration_status")
        if status and status != Provider.RegistrationStatus.UNREGISTERED and not data.get("urn"):
            self.add_error("urn", "A registered school has a URN: give it.")
        if data.get("risk_level") == Provider.RiskLevel.HIGHER and not data.get("risk_categories"):
            self.add_error("risk_categories", "Tick the activities that make the environment higher risk.")
        if data.get("risk_level") == Provider.RiskLevel.LOWER:
            data["risk_categories"] = []
        return data


def _evidence_type_choices():
    groups = {}
    for t in vetting_data.EVIDENCE_TYPES:
        groups.setdefault(t["category"].replace("_", " ").capitalize(), []).append((t["code"], t["label"]))
    return [("", "Choose the kind of document"), *groups.items()]


class EvidenceForm(forms.Form):
    evidence_type = forms.ChoiceField(label="Kind of document", choices=_evidence_type_choices)
    title = forms.CharField(label="Title (optional)", max_length=200, required=False)
    issue_date = forms.DateField(label="Issued or adopted on", widget=DateInput())
    expiry_date = forms.DateField(
        label="Expires or due for review on",
        required=False,
        widget=DateInput(),
        help_text="Needed for anything that runs out: insurance, policies, certificates.",
    )
    insured_amount = forms.DecimalField(
        label="Amount insured (£)",
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        help_text="Insurance only: the cover per claim, in pounds.",
        error_messages={"invalid": "Give the amount in pounds, for example 5000000."},
    )
    file = forms.FileField(
        label="File",
        help_text=f"PDF, Word (.docx), PNG or JPEG, at most {MAX_EVIDENCE_BYTES // 1024 // 1024} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.png,.jpg,.jpeg"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            inspect_evidence_file(upload)
        except UploadRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        return upload

    def clean(self):
        data = super().clean()
        if data.get("evidence_type"):
            for field, message in services.evidence_problems(
                evidence_type=data["evidence_type"],
                issue_date=data.get("issue_date"),
                expiry_date=data.get("expiry_date"),
                insured_amount=data.get("insured_amount"),
            ).items():
                if field not in self.errors:
                    self.add_error(field, message)
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=True
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label="Note (optional)", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


CONDITION_ROWS = 3


class ApproveForm(forms.Form):
    approved_until = forms.DateField(label="Approved until", widget=DateInput())
    reason = forms.CharField(
        label="Note for the history (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, CONDITION_ROWS + 1):
            self.fields[f"condition_{n}"] = forms.CharField(
                label=f"Condition {n}", max_length=500, required=False
            )
            self.fields[f"condition_{n}_due"] = forms.DateField(
                label=f"Condition {n} due by", required=False, widget=DateInput()
            )

    def condition_rows(self):
        return [(self[f"condition_{n}"], self[f"condition_{n}_due"]) for n in range(1, CONDITION_ROWS + 1)]

    def clean(self):
        data = super().clean()
        for n in range(1, CONDITION_ROWS + 1):
            text, due = data.get(f"condition_{n}"), data.get(f"condition_{n}_due")
            if text and not due and f"condition_{n}_due" not in self.errors:
                self.add_error(f"condition_{n}_due", "Give the date this condition must be met by.")
            if due and not text:
                self.add_error(f"condition_{n}", "Say what the condition is.")
        return data

    def conditions(self):
        return [
            (self.cleaned_data[f"condition_{n}"], self.cleaned_data[f"condition_{n}_due"])
            for n in range(1, CONDITION_ROWS + 1)
            if self.cleaned_data.get(f"condition_{n}")
        ]


class ChecklistForm(forms.Form):
    """One answer, comment and evidence choice per checklist item that applies to the provider."""

    def __init__(self, *args, rows, evidence, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        evidence_choices = [(e.pk, f"{e.type_label} ({e.issue_date:%d/%m/%Y})") for e in evidence]
        for item, answer in rows:
            self.fields[f"answer_{item.code}"] = forms.ChoiceField(
                label=item.text,
                choices=[("", "Not answered"), *ChecklistAnswer.Answer.choices],
                required=False,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                initial=answer.answer if answer else "",
            )
            self.fields[f"comment_{item.code}"] = forms.CharField(
                label="Comment",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 1}),
                initial=answer.comment if answer else "",
            )
            self.fields[f"evidence_{item.code}"] = forms.TypedMultipleChoiceField(
                label="Evidence",
                required=False,
                coerce=int,
                choices=evidence_choices,
                widget=forms.SelectMultiple(attrs={"size": 2, "class": "form-select form-select-sm"}),
                initial=[e.pk for e in answer.evidence.all()] if answer else [],
            )

    def sections(self):
        """Rows grouped by section, each row with its three bound fields, for the template."""
        grouped = []
        for item, answer in self.rows:
            if not grouped or grouped[-1]["section"] != item.section:
                grouped.append({"section": item.section, "rows": []})
            grouped[-1]["rows"].append(
                {
                    "item": item,
                    "answer": answer,
                    "answer_field": self[f"answer_{item.code}"],
                    "comment_field": self[f"comment_{item.code}"],
                    "evidence_field": self[f"evidence_{item.code}"],
                }
            )
        return grouped

    def clean(self):
        data = super().clean()
        for item, _ in self.rows:
            if (
                data.get(f"answer_{item.code}") == "no"
                and not (data.get(f"comment_{item.code}") or "").strip()
            ):
                self.add_error(f"comment_{item.code}", "Say why the answer is no.")
        return data

    def answers(self):
        # Only questions the page sent are saved: a partial or empty post never clears other answers.
        return {
            item.pk: {
                "answer": self.cleaned_data.get(f"answer_{item.code}") or "",
                "comment": self.cleaned_data.get(f"comment_{item.code}") or "",
                "evidence": self.cleaned_data.get(f"evidence_{item.code}") or [],
            }
            for item, _ in self.rows
            if f"answer_{item.code}" in self.data
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="One provider per row, with a header row. At most 1 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class StaffAccessForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField()
    job_title = forms.CharField(max_length=120, required=False)
    may_sign_agreements = forms.BooleanField(
        required=False,
        label="May sign agreements for the provider",
        help_text="Only staff with the provider's authority to sign should have this.",
    )


class ChecklistTemplateForm(forms.Form):
    """Edit the trust's checklist: each saved change makes a new version."""

    note = forms.CharField(label="What changed, and why", max_length=500)
    new_section = forms.ChoiceField(label="Add a question to", required=False)
    new_text = forms.CharField(
        label="New question", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    new_applies_to = forms.ChoiceField(label="Applies to", choices=[], required=False)
    new_required = forms.BooleanField(label="Required before approval", required=False)

    def __init__(self, *args, template, **kwargs):
        super().__init__(*args, **kwargs)
        from providers.models import ChecklistItem
        from providers.selectors import template_items, template_sections

        self.template = template
        self.items = template_items(template)
        sections = template_sections(template)
        self.fields["new_section"].choices = [("", "—")] + [(s.code, s.title) for s in sections]
        self.fields["new_applies_to"].choices = ChecklistItem.AppliesTo.choices
        for item in self.items:
            self.fields[f"text_{item.code}"] = forms.CharField(
                label="Question", initial=item.text, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[f"applies_{item.code}"] = forms.ChoiceField(
                label="Applies to", choices=ChecklistItem.AppliesTo.choices, initial=item.applies_to
            )
            self.fields[f"required_{item.code}"] = forms.BooleanField(
                label="Required", required=False, initial=item.required
            )
            self.fields[f"remove_{item.code}"] = forms.BooleanField(label="Remove", required=False)

    def rows(self):
        grouped = []
        for item in self.items:
            if not grouped or grouped[-1]["section"] != item.section:
                grouped.append({"section": item.section, "rows": []})
            grouped[-1]["rows"].append(
                {
                    "item": item,
                    "text": self[f"text_{item.code}"],
                    "applies": self[f"applies_{item.code}"],
                    "required": self[f"required_{item.code}"],
                    "remove": self[f"remove_{item.code}"],
                }
            )
        return grouped

    def clean(self):
        data = super().clean()
        if data.get("new_text") and not data.get("new_section"):
            self.add_error("new_section", "Choose the section the new question goes in.")
        return data

    def changes(self):
        data, changes, remove = self.cleaned_data, {}, []
        for item in self.items:
            if data.get(f"remove_{item.code}"):
                remove.append(item.code)
                continue
            change = {}
            if data[f"text_{item.code}"].strip() != item.text:
                change["text"] = data[f"text_{item.code}"].strip()
            if data[f"applies_{item.code}"] != item.applies_to:
                change["applies_to"] = data[f"applies_{item.code}"]
            if data[f"required_{item.code}"] != item.required:
                change["required"] = data[f"required_{item.code}"]
            if change:
                changes[item.code] = change
        add = []
        if data.get("new_text"):
            add.append(
                {
                    "section": data["new_section"],
                    "code": f"trust_{self.template.version + 1}_{len(self.items) + 1}",
                    "text": data["new_text"].strip(),
                    "guidance": "",
                    "applies_to": data.get("new_applies_to") or "all",
                    "evidence_types": [],
                    "required": data.get("new_required", False),
                }
            )
        return changes, remove, add
