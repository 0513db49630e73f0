import django_filters
from django import forms
from django.contrib.auth.forms import AuthenticationForm

from trusts.models import AccessLog, TrustPolicy
from trusts.roles import Role


class SignInForm(AuthenticationForm):
    error_messages = {
        # The same words for an unknown user and a wrong password, so the form does not reveal who has an account.
        "invalid_login": "That username and password do not match an account. Check both and try again.",
        "inactive": "That username and password do not match an account. Check both and try again.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Six-digit code from your authenticator app",
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
        error_messages={
            "required": "Enter the six-digit code.",
            "min_length": "The code has six digits.",
            "max_length": "The code has six digits.",
        },
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip().replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError("The code is six digits, with no letters.")
        return token


class AccessLogFilter(django_filters.FilterSet):
    username = django_filters.CharFilter(lookup_expr="icontains", label="Who")
    subject_label = django_filters.CharFilter(lookup_expr="icontains", label="Record")
    role = django_filters.ChoiceFilter(choices=Role.choices)
    date_from = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label="From")
    date_to = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label="To")

    class Meta:
        model = AccessLog
        fields = ["username", "subject_label", "role", "date_from", "date_to"]


class TrustPolicyForm(forms.ModelForm):
    class Meta:
        model = TrustPolicy
        fields = [
            "full_time_hours_threshold",
            "registration_pupil_limit",
            "registration_warning_margin",
            "min_public_liability",
            "min_employers_liability",
            "min_professional_negligence",
            "min_motor",
            "evidence_expiry_warning_days",
            "review_interval_weeks",
            "parent_review_termly",
            "emergency_review_incident_count",
            "part_time_review_weeks",
            "sla_unsigned_warning_days",
            "review_due_warning_days",
            "register_mark_deadline_minutes",
            "absence_followup_window_minutes",
            "consecutive_absence_sessions",
            "qa_visit_frequency",
            "qa_visit_frequency_unregistered",
            "qa_visit_session_limit",
        ]

    def clean(self):
        cleaned = super().clean()
        limit = cleaned.get("registration_pupil_limit")
        margin = cleaned.get("registration_warning_margin")
        if limit is not None and limit < 1:
            self.add_error("registration_pupil_limit", "The limit is at least one pupil.")
        if limit is not None and margin is not None and margin >= limit:
            self.add_error(
                "registration_warning_margin", "The warning margin must be smaller than the limit."
            )
        threshold = cleaned.get("full_time_hours_threshold")
        if threshold is not None and not (0 < threshold <= 40):
            self.add_error("full_time_hours_threshold", "Give a number of hours between 0 and 40.")
        for name in (
            "min_public_liability",
            "min_employers_liability",
            "min_professional_negligence",
            "min_motor",
        ):
            value = cleaned.get(name)
            if value is not None and value < 0:
                self.add_error(name, "An insurance minimum cannot be negative.")
        return cleaned
