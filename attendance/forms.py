from django import forms
from django.utils import timezone

from attendance.codes import ABSENCE_CODE_CHOICES, CODES
from attendance.models import AbsenceFollowUp, RegisterArrangement, RegisterMark


class MarkForm(forms.Form):
    status = forms.ChoiceField(choices=RegisterMark.Status.choices)
    late_minutes = forms.IntegerField(required=False, min_value=1, max_value=240, label="Minutes late")
    absence_reason = forms.CharField(required=False, max_length=300, label="Reason, as you know it")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == RegisterMark.Status.LATE and not cleaned.get("late_minutes"):
            self.add_error("late_minutes", "Say how many minutes late.")
        return cleaned


class DayForm(forms.Form):
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def day(self):
        if self.is_valid() and self.cleaned_data.get("date"):
            return self.cleaned_data["date"]
        return timezone.localdate()


class CodeForm(forms.Form):
    code = forms.ChoiceField(choices=[(c.code, f"{c.code}: {c.label}") for c in CODES])


class FollowUpForm(forms.ModelForm):
    contacted_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    code = forms.ChoiceField(
        choices=[("", "Choose the code that fits what you learnt"), *ABSENCE_CODE_CHOICES],
        label="Register code",
    )

    class Meta:
        model = AbsenceFollowUp
        fields = ["contacted_by", "contacted_at", "outcome", "reason", "code"]
        labels = {"reason": "Reason for the absence"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacted_by"].required = True
        self.fields["outcome"].required = True


class ArrangementForm(forms.ModelForm):
    class Meta:
        model = RegisterArrangement
        fields = ["arrangement", "supervised", "part_time_leave", "tell_dsl_of_absence"]


class RangeForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end must not be before the start.")
            elif (end - start).days > 400:
                self.add_error("end", "Export at most about a year at a time.")
        return cleaned
