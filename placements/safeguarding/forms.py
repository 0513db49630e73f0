"""Forms of safeguarding concerns: they parse and check shapes; placements.safeguarding.services applies the
rules."""

from __future__ import annotations

from django import forms

from placements.forms import StyledModelForm
from placements.safeguarding.models import ConcernAction, ProviderBrief, SafeguardingConcern


class ConcernForm(StyledModelForm):
    category = forms.ChoiceField(
        choices=[("", "Choose the category")] + SafeguardingConcern.Category.choices,
        error_messages={"invalid_choice": "Choose one of the categories listed."},
    )
    attachment = forms.FileField(
        required=False,
        label="Attach a photo or document (optional)",
        help_text="A PDF, Word document, PNG or JPEG. Only the DSLs can open it.",
    )

    class Meta:
        model = SafeguardingConcern
        fields = ["category", "occurred_at", "account", "people_present", "immediate_action"]
        help_texts = {
            "account": "Write down exactly what you saw, or what the pupil said, in their words. Do not "
            "question the pupil further or promise to keep it secret.",
            "people_present": "Names and roles of anyone else there.",
            "immediate_action": "What you did straight away (for example: kept the pupil with a member of "
            "staff, called the school's DSL).",
        }
        error_messages = {"account": {"required": "Write what was seen or said, in the words used."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].widget.attrs["rows"] = 6


class AcknowledgeForm(forms.Form):
    pass


class ConcernActionForm(StyledModelForm):
    class Meta:
        model = ConcernAction
        fields = ["description", "taken_at"]
        labels = {"taken_at": "When"}
        error_messages = {"description": {"required": "Say what was done."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["taken_at"].required = False
        self.fields["taken_at"].help_text = "Leave empty for now."
        self.fields["description"].widget.attrs["rows"] = 2


class ConcernCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[("", "Choose the outcome")] + SafeguardingConcern.Outcome.choices,
        error_messages={
            "required": "Choose the outcome.",
            "invalid_choice": "Choose one of the outcomes listed.",
        },
    )
    outcome_detail = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Details (reference numbers, who)"
    )


class ConcernFilter(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Open"), ("all", "All")] + SafeguardingConcern.Status.choices,
    )


class ProviderBriefForm(StyledModelForm):
    class Meta:
        model = ProviderBrief
        fields = list(ProviderBrief.CONTENT_FIELDS)
