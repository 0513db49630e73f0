import django_filters
from django import forms
from django.contrib.auth.forms import AuthenticationForm

from trusts.models import AccessLog
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
