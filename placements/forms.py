"""Forms of the placements app. Forms parse and check shapes; the services apply the rules."""

from __future__ import annotations

from datetime import date

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from placements.models import (
    YEAR_GROUPS,
    BehaviourIncident,
    Carer,
    Consent,
    LAAgreement,
    Outcome,
    Placement,
    Plan,
    ProviderReport,
    Pupil,
    ReferralNotice,
    Review,
    TargetOutcome,
    TargetProgress,
    TimetableSession,
)
from placements.rules import date_of_birth_problem, default_session_times
from providers.models import Provider
from trusts.models import School
from trusts.roles import Role
from trusts.widgets import Select


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _dates(form):
    for field in form.fields.values():
        if isinstance(field, forms.DateField):
            field.widget = DateInput()
        elif isinstance(field, forms.DateTimeField):
            field.widget = DateTimeInput()
            field.input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        elif isinstance(field, forms.CharField) and isinstance(field.widget, forms.Textarea):
            field.widget.attrs.setdefault("rows", 3)


class StyledModelForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _dates(self)


# Querysets of choice fields are set per request in __init__: scoped managers cannot be queried at import.
class PupilForm(StyledModelForm):
    school = forms.ModelChoiceField(queryset=None)

    class Meta:
        model = Pupil
        fields = [
            "school",
            "legal_first_name",
            "legal_last_name",
            "preferred_name",
            "date_of_birth",
            "upn",
            "year_group",
            "gender",
            "first_language",
            *Pupil.SENSITIVE_FIELDS,
        ]

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.visible_to(membership)
        if membership.school_id is not None:
            self.fields["school"].initial = membership.school_id
            self.fields["school"].disabled = True
        self.fields["upn"].help_text = "13 characters, from the school's MIS."

    def clean(self):
        data = super().clean()
        if data.get("looked_after") and not (data.get("responsible_la") or "").strip():
            self.add_error("responsible_la", "Name the local authority responsible for this child.")
        dob, year = data.get("date_of_birth"), data.get("year_group")
        if dob and dob > timezone.localdate():
            self.add_error("date_of_birth", "The date of birth is in the future.")
        elif dob and year:
            problem = date_of_birth_problem(date_of_birth=dob, year_group=year, today=timezone.localdate())
            if problem:
                self.add_error("date_of_birth", problem)
        return data


class CarerForm(StyledModelForm):
    class Meta:
        model = Carer
        fields = ["name", "relationship", "has_parental_responsibility", "phone", "email", "address"]


class PupilImportForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None)
    file = forms.FileField(label="CSV export from the school's MIS", required=False)

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.visible_to(membership)
        if membership.school_id is not None:
            self.fields["school"].initial = membership.school_id
            self.fields["school"].disabled = True


CONTACT_FIELDS = (
    "school_main_contact",
    "school_attendance_contact",
    "school_dsl_contact",
    "school_senco_contact",
    "provider_contact",
)


class DatalistInput(forms.TextInput):
    """A text box that offers the people the app knows (an HTML datalist), and still takes anyone new."""

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.options = list(options)

    def render(self, name, value, attrs=None, renderer=None):
        from django.utils.html import format_html, format_html_join

        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or 'id_' + name}-people"
        attrs["list"] = list_id
        attrs.setdefault("autocomplete", "off")
        box = super().render(name, value, attrs, renderer)
        options = format_html_join("", '<option value="{}"></option>', ((o,) for o in self.options))
        return format_html('{}<datalist id="{}">{}</datalist>', box, list_id, options)


def person_contact(name: str, role: str, *ways) -> str:
    return ", ".join(part for part in (name.strip(), role, *ways) if part)


def school_people(school_ids) -> dict[str, list[str]]:
    """The school-side people the app knows, as contact lines, by role code (one query)."""
    from trusts.models import Membership

    people: dict[str, list[str]] = {}
    memberships = (
        Membership.objects.active()
        .filter(school_id__in=school_ids)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    for m in memberships:
        line = person_contact(
            m.user.get_full_name() or m.user.username,
            m.job_title or m.get_role_display(),
            m.phone,
            m.user.email,
        )
        people.setdefault(m.role, []).append(line)
    return people


def provider_people(providers) -> list[str]:
    lines = []
    for p in providers:
        if p.contact_name:
            lines.append(person_contact(p.contact_name, f"{p}", p.contact_phone, p.contact_email))
        if p.dsl_name:
            lines.append(person_contact(p.dsl_name, f"DSL, {p}", p.dsl_phone, p.dsl_email))
    return lines


class PlacementForm(StyledModelForm):
    pupil = forms.ModelChoiceField(queryset=None)
    provider = forms.ModelChoiceField(queryset=None)

    class Meta:
        model = Placement
        fields = ["pupil", "provider", *Placement.EDITABLE_FIELDS]

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["pupil"].queryset = Pupil.objects.visible_to(membership).select_related("school")
        # Only providers a placement can go ahead with today: approved, and the approval still in date. An
        # existing placement keeps its provider in the list, marked, so the form can still be saved.
        usable = Q(status__in=Provider.APPROVED_STATUSES, approved_until__gte=today)
        if self.instance.pk and self.instance.provider_id:
            usable |= Q(pk=self.instance.provider_id)
        self.fields["provider"].queryset = Provider.objects.visible_to(membership).filter(usable)
        self.fields["provider"].label_from_instance = lambda p: (
            str(p) if p.is_approved_on(today) else f"{p} ({p.get_status_display().lower()}: not usable now)"
        )
        self.fields[
            "provider"
        ].help_text = "Only providers approved and in date today are listed. The Providers page shows the others and why."
        self.fields["part_time_review_date"].label = "Part-time review date"
        self.fields[
            "part_time_review_date"
        ].help_text = "For a part-time timetable with no planned end: when it will be reviewed."
        for name in CONTACT_FIELDS:
            self.fields[name].help_text = (
                "Name, role and phone, for example: Sam Patel, AP lead, 0113 496 0000. Pick someone the app "
                "knows, or type someone new."
            )
        self._offer_people(membership)
        self.fields[
            "meal_arrangement"
        ].help_text = (
            "Needed for a pupil eligible for free school meals: how they get their meal on placement days."
        )
        self.fields["transport"].required = False
        self.fields[
            "rate"
        ].help_text = "The provider's agreed price, as the agreement states it; say below what it is for."
        self.fields["rate_unit"].help_text = (
            "A day rate is paid for each day with a session, a weekly rate for each week with one, a termly "
            "rate in proportion to the school days of the term."
        )
        self.fields["transport_cost"].help_text = "Leave empty if transport costs nothing or is in the rate."
        self.fields["transport_cost_unit"].help_text = "How the transport cost is paid."
        for name in ("rate", "transport_cost", "registration_cost", "extra_costs"):
            self.fields[name].widget.attrs.update({"min": "0", "step": "0.01", "inputmode": "decimal"})
        self.fields[
            "outside_age_range_reason"
        ].help_text = (
            "Only where the provider does not take the pupil's year group: why it is still the right place."
        )
        if self.instance.pk:
            self.fields["pupil"].disabled = True
            if not self.instance.is_open:
                self.fields["provider"].disabled = True

    def _offer_people(self, membership):
        """Contacts are picked from the school's staff and the providers' named people; a new placement
        starts with the school's own people filled in."""
        from trusts.roles import Role

        school_id = self.instance.school_id if self.instance.pk else membership.school_id
        people = school_people([school_id]) if school_id else {}
        everyone = [line for lines in people.values() for line in lines]
        providers = [self.instance.provider] if self.instance.pk else list(self.fields["provider"].queryset)
        offers = {
            "school_main_contact": everyone,
            "school_attendance_contact": people.get(Role.ATTENDANCE_OFFICER, []) + everyone,
            "school_dsl_contact": people.get(Role.DSL, []) + everyone,
            "school_senco_contact": everyone,
            "provider_contact": provider_people(providers),
        }
        for name, options in offers.items():
            self.fields[name].widget = DatalistInput(options=dict.fromkeys(options))
        if not self.instance.pk and not self.is_bound:
            my_name = membership.user.get_full_name()
            me = next((line for line in everyone if my_name and line.startswith(my_name)), "")
            firsts = {
                "school_main_contact": me,
                "school_attendance_contact": (people.get(Role.ATTENDANCE_OFFICER) or [""])[0],
                "school_dsl_contact": (people.get(Role.DSL) or [""])[0],
            }
            for name, value in firsts.items():
                if value and not self.initial.get(name):
                    self.initial[name] = value

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("planned_end_date")
        if start and end and end <= start:
            self.add_error("planned_end_date", "The planned end date must come after the start date.")
        review = data.get("part_time_review_date")
        if start and review and review <= start:
            self.add_error("part_time_review_date", "The review date must come after the start date.")
        return data


class SessionForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=TimetableSession.WEEKDAYS, coerce=int, widget=forms.HiddenInput)
    session = forms.ChoiceField(choices=TimetableSession.Session.choices, widget=forms.HiddenInput)
    attends = forms.BooleanField(required=False, label="Attends")
    start_time = forms.TimeField(required=False, widget=TimeInput())
    end_time = forms.TimeField(required=False, widget=TimeInput())

    def clean(self):
        data = super().clean()
        if data.get("attends"):
            if not data.get("start_time"):
                self.add_error("start_time", "Give the start time.")
            if not data.get("end_time"):
                self.add_error("end_time", "Give the end time.")
            if data.get("start_time") and data.get("end_time") and data["end_time"] <= data["start_time"]:
                self.add_error("end_time", "The session must end after it starts.")
        return data

    @property
    def label(self):
        day = dict(TimetableSession.WEEKDAYS)[int(self["weekday"].value())]
        return f"{day} {'morning' if self['session'].value() == 'am' else 'afternoon'}"


SessionFormSet = forms.formset_factory(SessionForm, extra=0, max_num=10, validate_max=True)


def timetable_initial(placement) -> list[dict]:
    """The timetable as it stands, and for the sessions not yet chosen the provider's opening hours."""
    existing = {(s.weekday, s.session): s for s in placement.sessions.all()}
    defaults = default_session_times(
        opens_at=placement.provider.opens_at, closes_at=placement.provider.closes_at
    )
    rows = []
    for weekday, _ in TimetableSession.WEEKDAYS:
        for session in ("am", "pm"):
            s = existing.get((weekday, session))
            start, end = (s.start_time, s.end_time) if s else defaults[session]
            rows.append(
                {
                    "weekday": weekday,
                    "session": session,
                    "attends": s is not None,
                    "start_time": start,
                    "end_time": end,
                }
            )
    return rows


class ConsentForm(StyledModelForm):
    carer = forms.ModelChoiceField(queryset=None, label="Parent or carer")

    class Meta:
        model = Consent
        fields = ["carer", "decision", "method", "note"]

    def __init__(self, *args, placement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carer"].queryset = placement.pupil.carers.all()
        self.fields["carer"].label = "Parent or carer"
        self.fields["carer"].label_from_instance = lambda c: (
            f"{c.name} ({c.relationship}{', parental responsibility' if c.has_parental_responsibility else ''})"
        )


class LAAgreementForm(StyledModelForm):
    class Meta:
        model = LAAgreement
        fields = ["local_authority", "officer_name", "officer_role", "agreed_on", "note"]


class PlanForm(StyledModelForm):
    class Meta:
        model = Plan
        fields = ["overview", "reintegration_aim", "pupil_views", "parent_views"]


class TargetForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    objective = forms.CharField(max_length=300, required=False)
    baseline = forms.CharField(max_length=300, required=False)
    measure = forms.CharField(max_length=300, required=False, label="How progress is measured")
    school_support = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Support from the school"
    )
    provider_support = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Support from the provider"
    )
    target_date = forms.DateField(required=False, widget=DateInput())


TargetFormSet = forms.formset_factory(TargetForm, extra=1, can_delete=True, max_num=20)


class ChecksForm(StyledModelForm):
    class Meta:
        model = Placement
        fields = ["la_informed_on", "risk_assessment_recorded_on", "risk_assessment_summary"]


class SLASignForm(forms.Form):
    """Signing from one's own account: the name, role and time come from the account, the fingerprint names
    the version the person read."""

    fingerprint = forms.CharField(max_length=64, widget=forms.HiddenInput)
    confirm = forms.BooleanField(label="I have read this version of the agreement and agree to it")


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label="What it is", choices=[])
    title = forms.CharField(max_length=200, required=False)
    file = forms.FileField(label="File (PDF, Word, PNG or JPEG)", required=False)
    shared_with_provider = forms.BooleanField(
        required=False,
        label="Share with the provider",
        help_text="Unticked, only the school's staff can open it.",
    )

    def __init__(self, *args, **kwargs):
        from placements.models import Attachment

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Attachment.Kind.choices


class SetupMeetingForm(forms.Form):
    held_on = forms.DateField(label="Held on", widget=DateInput())
    attendees = forms.CharField(
        label="Who came",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The pupil, parents or carers, the school and the provider.",
    )
    notes = forms.CharField(label="What was agreed", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class InitialAssessmentForm(forms.Form):
    assessed_on = forms.DateField(label="Assessed on", widget=DateInput())
    summary = forms.CharField(label="What the assessment found", widget=forms.Textarea(attrs={"rows": 4}))


class HomeSchoolAgreementForm(forms.Form):
    agreed_on = forms.DateField(label="Agreed on", widget=DateInput())
    carers = forms.CharField(label="Parents or carers who agreed", max_length=300)
    pupil_agreed = forms.BooleanField(label="The pupil agreed", required=False)
    school_name = forms.CharField(label="Agreed for the school by", max_length=150)
    provider_name = forms.CharField(label="Agreed for the provider by", max_length=150)


class SuspensionForm(forms.Form):
    first_day = forms.DateField(label="First day of the suspension", widget=DateInput())
    school_days = forms.IntegerField(label="Length (school days)", min_value=1, max_value=45)
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SuspensionNoticeForm(forms.Form):
    report_to = forms.CharField(label="Whom the pupil reports to on the first day", max_length=200)
    parents_consented = forms.BooleanField(
        required=False,
        label="The parents agreed to less than 48 hours' notice",
        help_text="Only for provision that starts before the sixth day.",
    )


class ReferralPartAForm(StyledModelForm):
    class Meta:
        from placements.models import ReferralForm as _Model

        model = _Model
        fields = list(_Model.PART_A_FIELDS)
        labels = {
            "attendance_last_year": "Attendance last year (%)",
            "attendance_two_years_ago": "Attendance the year before (%)",
        }


class ReferralPartBForm(StyledModelForm):
    risk_indicators = forms.MultipleChoiceField(
        choices=[], required=False, widget=forms.CheckboxSelectMultiple, label="Risk indicators"
    )

    class Meta:
        from placements.models import ReferralForm as _Model

        model = _Model
        fields = list(_Model.PART_B_FIELDS)

    def __init__(self, *args, **kwargs):
        from placements.models import ReferralForm as _Model

        super().__init__(*args, **kwargs)
        self.fields["risk_indicators"].choices = _Model.RISK_INDICATORS


class ReferralAcceptForm(forms.Form):
    start_date = forms.DateField(label="The pupil can start on", widget=DateInput())
    # Checked by the service, which says what is missing in words a person can act on.
    key_worker = forms.CharField(max_length=150, label="The pupil's key worker here", required=False)


class ReferralDeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why the provider cannot take this pupil", widget=forms.Textarea(attrs={"rows": 3})
    )


for _form in (ReferralAcceptForm, ReferralDeclineForm):
    for _field in _form.base_fields.values():
        _field.widget.attrs["class"] = "form-control"


class NoticeForm(StyledModelForm):
    class Meta:
        model = ReferralNotice
        fields = [
            "notice_date",
            "delivered_by",
            "recipients",
            "report_to",
            "reasons",
            "objectives",
        ]


class ReviewScheduleForm(StyledModelForm):
    class Meta:
        model = Review
        fields = ["scheduled_for", "kind"]


class ReviewRecordForm(StyledModelForm):
    class Meta:
        model = Review
        fields = [
            "held_on",
            "attendance_percent",
            "attendance",
            "behaviour",
            "safeguarding",
            "pupil_voice",
            "parent_voice",
            "actions",
            "next_review_date",
        ]

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].required = True
        self.fields["attendance_percent"].help_text = "Leave empty: it is counted from the registers."
        self.targets = list(targets)
        for t in self.targets:
            self.fields[f"rating_{t.pk}"] = forms.ChoiceField(
                choices=[("", "Choose")] + list(TargetProgress.Rating.choices),
                label=f"Progress: {t.objective}",
            )
            self.fields[f"comment_{t.pk}"] = forms.CharField(required=False, label="Comment")

    def progress(self):
        return [
            {
                "target": t,
                "rating": self.cleaned_data[f"rating_{t.pk}"],
                "comment": self.cleaned_data[f"comment_{t.pk}"],
            }
            for t in self.targets
        ]

    def target_rows(self):
        return [(t, self[f"rating_{t.pk}"], self[f"comment_{t.pk}"]) for t in self.targets]


class ProviderReportForm(StyledModelForm):
    class Meta:
        model = ProviderReport
        fields = ["period_ending", "attendance", "progress", "behaviour", "wellbeing", "next_steps"]


class IncidentForm(StyledModelForm):
    class Meta:
        model = BehaviourIncident
        fields = ["occurred_at", "category", "description", "action_taken", "parent_informed"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "Not recorded" is only for incidents from before categories existed.
        self.fields["category"].choices = [("", "Choose the kind of incident")] + [
            c for c in BehaviourIncident.Category.choices if c[0] != BehaviourIncident.Category.NOT_RECORDED
        ]
        self.fields["category"].help_text = "The kind of incident: choose the most serious if several apply."


class EndForm(StyledModelForm):
    ended_on = forms.DateField(widget=DateInput(), label="Last day of the placement")
    ended_outcome = forms.ChoiceField(choices=Placement.EndedOutcome.choices, label="How it ended")
    ended_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Why it ended early"
    )

    class Meta:
        model = Outcome
        fields = [
            "attendance_percent",
            "attainment",
            "accreditation",
            "destination",
            "pupil_assessment",
            "school_evaluation",
            "reintegration_plan",
        ]

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendance_percent"].help_text = "Leave empty: it is counted from the registers."
        self.targets = list(targets)
        for t in self.targets:
            self.fields[f"result_{t.pk}"] = forms.ChoiceField(
                choices=[("", "Choose")] + list(TargetOutcome.Result.choices), label=f"Outcome: {t.objective}"
            )
            self.fields[f"comment_{t.pk}"] = forms.CharField(required=False, label="Comment")

    def outcome_data(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def target_outcomes(self):
        return [
            {
                "target": t,
                "result": self.cleaned_data[f"result_{t.pk}"],
                "comment": self.cleaned_data[f"comment_{t.pk}"],
            }
            for t in self.targets
        ]

    def target_rows(self):
        return [(t, self[f"result_{t.pk}"], self[f"comment_{t.pk}"]) for t in self.targets]


class PlacementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Pupil")
    status = django_filters.ChoiceFilter(
        widget=Select, choices=Placement.Status.choices, empty_label="Any status"
    )
    reason = django_filters.ChoiceFilter(
        widget=Select, choices=Placement.Reason.choices, empty_label="Any reason"
    )
    provider = django_filters.ModelChoiceFilter(widget=Select, queryset=None, empty_label="Any provider")
    school = django_filters.ModelChoiceFilter(widget=Select, queryset=None, empty_label="Any school")
    sort = django_filters.OrderingFilter(
        widget=Select,
        fields=(("start_date", "start"), ("pupil__legal_last_name", "pupil"), ("status", "status")),
        field_labels={"start": "Start date", "pupil": "Pupil", "status": "Status"},
        label="Sort by",
    )

    class Meta:
        model = Placement
        fields = ["q", "status", "reason", "provider", "school"]

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        # A choice of one (a provider's staff see their own provider's placements; a school's staff their own
        # school's) or none is not offered.
        if membership.role == Role.PROVIDER_STAFF:
            del self.filters["provider"]
        else:
            self.filters["provider"].queryset = Provider.objects.visible_to(membership)
        if membership.school_id is not None or membership.role == Role.PROVIDER_STAFF:
            del self.filters["school"]
        else:
            self.filters["school"].queryset = School.objects.visible_to(membership)

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(pupil__legal_last_name__icontains=value)
            | Q(pupil__legal_first_name__icontains=value)
            | Q(pupil__preferred_name__icontains=value)
            | Q(pupil__upn__iexact=value.strip())
        )


class PupilFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name or UPN")
    year_group = django_filters.ChoiceFilter(widget=Select, choices=YEAR_GROUPS, empty_label="Any year")
    school = django_filters.ModelChoiceFilter(widget=Select, queryset=None, empty_label="Any school")
    sort = django_filters.OrderingFilter(
        widget=Select,
        fields=(("legal_last_name", "name"), ("year_group", "year")),
        field_labels={"name": "Name", "year": "Year group"},
        label="Sort by",
    )

    class Meta:
        model = Pupil
        fields = ["q", "year_group", "school"]

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        if membership.school_id is not None:
            del self.filters["school"]  # a school's staff see their own school's pupils
        else:
            self.filters["school"].queryset = School.objects.visible_to(membership)

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(legal_last_name__icontains=value)
            | Q(legal_first_name__icontains=value)
            | Q(preferred_name__icontains=value)
            | Q(upn__iexact=value.strip())
        )


class CausingConcernForm(forms.Form):
    reason = forms.CharField(
        label="Why the placement is causing concern",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class CausingConcernClearForm(forms.Form):
    note = forms.CharField(
        label="Why it is no longer causing concern",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class BehaviourUpdateForm(forms.Form):
    """The week is chosen from those asked for (the oldest owed first); attendance and incidents are not
    typed: they come from the registers and the incident log."""

    week_starting = forms.TypedChoiceField(label="Week", coerce=date.fromisoformat)
    behaviour = forms.CharField(
        label="Behaviour this week", max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    attitude = forms.CharField(
        label="Attitude to learning this week", max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    next_steps = forms.CharField(
        label="Next steps", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, weeks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["week_starting"].choices = [(w.monday.isoformat(), w.label) for w in weeks]
        if weeks and not self.is_bound:
            self.initial.setdefault("week_starting", weeks[0].monday.isoformat())
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if field is self.fields["week_starting"] else "form-control"
            )
