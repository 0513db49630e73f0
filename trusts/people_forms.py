"""Forms of the people, schools and calendar pages."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth import password_validation

from trusts.models import ClosureDay, Membership, School
from trusts.permissions import has_perm, roles_assignable_by
from trusts.recipients import ALERTS
from trusts.roles import Role

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _provider_model():
    # The provider register is a layer up; the membership's foreign key names it without an import.
    return Membership._meta.get_field("provider").related_model


class RoleFields(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    school = forms.ModelChoiceField(
        queryset=School.objects.none(),
        required=False,
        empty_label="The whole trust",
        help_text="Heads, AP leads and attendance officers belong to one school; DSLs and governors to one "
        "school or the whole trust.",
    )
    provider = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="—", help_text="Provider staff only."
    )

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        trust_wide = has_perm(membership, "people.manage_trust_wide")
        self.fields["role"].choices = [(r.value, r.label) for r in roles_assignable_by(membership)]
        self.fields["school"].queryset = School.objects.visible_to(membership)
        if not trust_wide:
            self.fields["school"].empty_label = None
            self.fields["school"].required = True
            self.fields["school"].initial = membership.school_id
            del self.fields["provider"]
        else:
            self.fields["provider"].queryset = _provider_model().objects.order_by("legal_name")


class InviteForm(RoleFields):
    email = forms.EmailField(label="Email address")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    job_title = forms.CharField(max_length=120, required=False)

    field_order = ["email", "first_name", "last_name", "role", "school", "provider", "job_title"]


class RoleForm(RoleFields):
    pass


class StaffRequestForm(forms.Form):
    email = forms.EmailField(label="Their email address")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    job_title = forms.CharField(max_length=120, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False, label="Why (kept in the person's history)")


class AcceptNewForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="The same password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords are not the same.")
        return data

    @property
    def password(self):
        return self.cleaned_data["password1"]


class AcceptExistingForm(forms.Form):
    password1 = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="You have an account already: sign in with it to add this role.",
    )

    @property
    def password(self):
        return self.cleaned_data["password1"]


class SchoolForm(forms.ModelForm):
    class Meta:
        model = School
        fields = ["name", "urn", "phase", "local_authority", "address", "weekly_hours"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}


class TermDatesForm(forms.Form):
    """One academic year's three terms, each with its half-term break."""

    TERMS = (("autumn", "Autumn"), ("spring", "Spring"), ("summer", "Summer"))

    start_year = forms.IntegerField(min_value=2000, max_value=2100, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.TERMS:
            self.fields[f"{name}_start"] = forms.DateField(label=f"{label} term starts", widget=DATE_INPUT)
            self.fields[f"{name}_end"] = forms.DateField(label=f"{label} term ends", widget=DATE_INPUT)
            self.fields[f"{name}_half_start"] = forms.DateField(
                label=f"{label} half-term from", widget=DATE_INPUT, required=False
            )
            self.fields[f"{name}_half_end"] = forms.DateField(
                label=f"{label} half-term to", widget=DATE_INPUT, required=False
            )

    @classmethod
    def initial_from(cls, start_year: int, terms) -> dict:
        initial = {"start_year": start_year}
        for term in terms:
            initial[f"{term.name}_start"] = term.start_date
            initial[f"{term.name}_end"] = term.end_date
            initial[f"{term.name}_half_start"] = term.half_term_start
            initial[f"{term.name}_half_end"] = term.half_term_end
        return initial

    def term_dates(self):
        from trusts.schools import TermDates

        data = self.cleaned_data
        return [
            TermDates(
                name,
                data[f"{name}_start"],
                data[f"{name}_end"],
                data.get(f"{name}_half_start"),
                data.get(f"{name}_half_end"),
            )
            for name, _ in self.TERMS
        ]


class ClosureForm(forms.Form):
    date = forms.DateField(widget=DATE_INPUT, initial=date.today)
    kind = forms.ChoiceField(choices=ClosureDay.Kind.choices, initial=ClosureDay.Kind.CLOSURE)
    school = forms.ModelChoiceField(
        queryset=School.objects.none(), required=False, empty_label="Every school"
    )
    reason = forms.CharField(max_length=200, required=False, help_text="For example: snow, boiler failure.")

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.visible_to(membership)
        if membership.school_id is not None:
            self.fields["school"].empty_label = None
            self.fields["school"].required = True
            self.fields["school"].initial = membership.school_id


class EmailChoicesForm(forms.Form):
    """Email on or off for each alert kind; the kinds the trust requires are shown, ticked and fixed."""

    def __init__(self, *args, kinds, opted_out, required, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            spec = ALERTS[kind]
            self.fields[kind] = forms.BooleanField(
                label=spec.label,
                required=False,
                initial=kind in required or kind not in opted_out,
                disabled=kind in required,
                help_text="Required by the trust's policy." if kind in required else "",
            )

    def opted_out(self) -> set[str]:
        return {
            kind for kind, field in self.fields.items() if not field.disabled and not self.cleaned_data[kind]
        }
