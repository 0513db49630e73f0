import django_filters
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q

from trusts.models import SCHOOL_SIGNATORY_ROLE_CHOICES, AccessLog, TrustPolicy
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
    username = django_filters.CharFilter(method="filter_person", label="Who (name or username)")
    subject_label = django_filters.CharFilter(lookup_expr="icontains", label="Pupil")
    role = django_filters.ChoiceFilter(choices=Role.choices)
    date_from = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label="From")
    date_to = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label="To")

    class Meta:
        model = AccessLog
        fields = ["username", "subject_label", "role", "date_from", "date_to"]

    def filter_person(self, queryset, name, value):
        words = value.split()
        for word in words:
            queryset = queryset.filter(
                Q(username__icontains=word)
                | Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
            )
        return queryset


def _alert_choices():
    from trusts.recipients import ALERTS

    return [(kind, spec.label) for kind, spec in ALERTS.items()]


class TrustPolicyForm(forms.ModelForm):
    required_alert_kinds = forms.MultipleChoiceField(
        choices=_alert_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Alerts always emailed (people cannot switch these off)",
    )
    school_signatory_roles = forms.MultipleChoiceField(
        choices=SCHOOL_SIGNATORY_ROLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        label="Who signs agreements for the school",
        help_text="The headteacher, and the AP lead if the trust allows it.",
    )

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
            "emergency_review_window_days",
            "part_time_review_weeks",
            "sla_unsigned_warning_days",
            "review_due_warning_days",
            "school_signatory_roles",
            "provider_report_overdue_days",
            "register_mark_deadline_minutes",
            "absence_followup_window_minutes",
            "consecutive_absence_sessions",
            "concern_escalation_minutes",
            "qa_visit_frequency",
            "qa_visit_frequency_unregistered",
            "qa_visit_session_limit",
            "qa_visit_reminder_days",
            "qa_action_grace_days",
            "report_small_number_threshold",
            "pupil_retention_birthday",
            "safeguarding_retention_birthday",
            "access_log_retention_months",
            "required_alert_kinds",
        ]
        labels = {
            "full_time_hours_threshold": "Full-time means more than (hours a week)",
            "registration_pupil_limit": "Unregistered providers must register at (full-time pupils)",
            "registration_warning_margin": "Warn this many pupils before that",
            "min_public_liability": "Public liability insurance at least (£)",
            "min_employers_liability": "Employer's liability insurance at least (£)",
            "min_professional_negligence": "Professional negligence insurance at least (£)",
            "min_motor": "Motor insurance at least (£), where the provider transports pupils",
            "evidence_expiry_warning_days": "Warn of evidence running out (days before)",
            "review_interval_weeks": "Review placements at least every (weeks)",
            "parent_review_termly": "Hold a review with parents every term",
            "emergency_review_incident_count": "Behaviour incidents that call an emergency review",
            "part_time_review_weeks": "Review part-time timetables within (weeks)",
            "sla_unsigned_warning_days": "Warn of an unsigned agreement (days before the start)",
            "review_due_warning_days": "Warn of a review coming due (days before)",
            "provider_report_overdue_days": "Chase a provider's progress report (days after the half-term ends)",
            "register_mark_deadline_minutes": "Chase an unmarked register after (minutes)",
            "absence_followup_window_minutes": "Tell the DSL of an absence not followed up after (minutes)",
            "consecutive_absence_sessions": "Raise a possible child missing education after (absent sessions in a row)",
            "emergency_review_window_days": "Count incidents towards an emergency review within (days)",
            "concern_escalation_minutes": "Escalate a safeguarding concern nobody has acknowledged after (minutes)",
            "qa_visit_frequency": "Quality assurance visits",
            "qa_visit_frequency_unregistered": "Quality assurance visits to unregistered providers",
            "qa_visit_session_limit": "Also visit after this many sessions, if sooner",
            "qa_visit_reminder_days": "Remind the visitor of a planned visit (days before)",
            "qa_action_grace_days": "Ask the trust admin to decide when an improvement action is this many days overdue",
            "report_small_number_threshold": "In governors' reports, hide counts below",
            "pupil_retention_birthday": "Keep a pupil's records until their birthday (age)",
            "safeguarding_retention_birthday": "Keep safeguarding records until the pupil's birthday (age)",
            "access_log_retention_months": "Keep the access log (months)",
        }
