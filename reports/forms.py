"""Forms of the reports app: the period a report is about, and invoices. Forms check shapes; services the rules."""

from __future__ import annotations

from django import forms

from reports.models import Invoice


class PeriodForm(forms.Form):
    """A term, or a custom date range (both dates) instead."""

    term = forms.TypedChoiceField(label="Term", coerce=int, required=False, empty_value=None)
    start = forms.DateField(label="Or from", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="to", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, terms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.terms = {t.pk: t for t in terms}
        self.fields["term"].choices = [("", "Choose a term")] + [
            (
                t.pk,
                f"{t.get_name_display()} {t.academic_year.name} ({t.start_date:%d %b %Y} to {t.end_date:%d %b %Y})",
            )
            for t in terms
        ]
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if bool(start) != bool(end):
            raise forms.ValidationError("Give both dates of the range, or choose a term.")
        if start and end and end < start:
            self.add_error("end", "The range ends before it starts: put the dates the right way round.")
        elif start and end and (end - start).days > 400:
            self.add_error("end", "A report covers at most a year; choose a shorter range.")
        return data


class InvoiceForm(forms.ModelForm):
    class Meta:
        model = Invoice
        fields = ["number", "period_start", "period_end", "amount", "note"]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}),
            "period_end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
        self.fields["amount"].label = "Amount (£)"


class InvoiceDecisionForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(Invoice.Status.APPROVED, "Approve"), (Invoice.Status.DISPUTED, "Dispute")]
    )
    note = forms.CharField(label="Note (what is disputed)", required=False, max_length=300)
