"""Providers' invoices: recorded against a placement, checked against the expected sessions, approved or
disputed. The AP lead checks them; the trust's central team sees the spend."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.dates import MONTHS_3
from django.utils.html import format_html_join
from django.views.decorators.http import require_POST

from placements.models import Placement
from reports import services
from reports.costs import COST_DEFINITION, Rates, invoice_checks, invoice_totals
from reports.forms import InvoiceDecisionForm, InvoiceForm
from reports.models import Invoice
from trusts.access import get_visible_or_404
from trusts.errors import DomainError
from trusts.permissions import has_perm, permission_required

INVOICES_LISTED = 100


@permission_required("invoice.read")
def invoice_list(request):
    if request.GET.get("placement"):
        # "Record an invoice" picks the placement here, then goes to its form.
        placement = get_visible_or_404(
            Placement.objects.filter(status__in=services.INVOICEABLE),
            request.membership,
            pk=request.GET["placement"],
        )
        return redirect("invoice_new", placement_pk=placement.pk)
    status = request.GET.get("status", "")
    invoices = Invoice.objects.visible_to(request.membership)
    totals = invoice_totals(invoices)
    if status in Invoice.Status.values:
        invoices = invoices.filter(status=status)
    rows = list(
        invoices.select_related("placement__pupil", "placement__provider", "placement__school").order_by(
            "status", "-period_end", "-pk"
        )[:INVOICES_LISTED]
    )
    checks = invoice_checks(request.membership, rows)
    return render(
        request,
        "reports/invoices/list.html",
        {
            "rows": [(i, checks[i.pk]) for i in rows],
            "totals": totals,
            "status": status,
            "statuses": Invoice.Status.choices,
            "limit": INVOICES_LISTED,
            "cost_definition": COST_DEFINITION,
            "placement_options": _placement_options(request.membership)
            if has_perm(request.membership, "invoice.record")
            else "",
        },
    )


def _placement_options(membership):
    """The choices of "Record an invoice for": every placement an invoice may be recorded against (a school's
    whole history of ended placements too), as the select's options. Read as plain rows and written in one go:
    a model object and a template loop for each of a school's hundreds of placements cost more than the rest of
    the page."""
    status_labels = {value: str(label).lower() for value, label in Placement.Status.choices}
    # The start date as the "j M Y" date format writes it, without working the format out for each row.
    months = {number: str(name).title() for number, name in MONTHS_3.items()}
    rows = (
        Placement.objects.visible_to(membership)
        .filter(status__in=services.INVOICEABLE)
        .order_by("-start_date", "pk")
        .values_list(
            "pk",
            "pupil__preferred_name",
            "pupil__legal_first_name",
            "pupil__legal_last_name",
            "provider__trading_name",
            "provider__legal_name",
            "start_date",
            "status",
        )
    )
    # As Pupil.display_name and Provider.__str__ say them.
    return format_html_join(
        "",
        '<option value="{}">{} {} at {}, from {} ({})</option>',
        (
            (
                pk,
                preferred or first,
                last,
                trading or legal,
                f"{start.day} {months[start.month]} {start.year}",
                status_labels.get(status, status),
            )
            for pk, preferred, first, last, trading, legal, start, status in rows
        ),
    )


@permission_required("invoice.record")
def invoice_new(request, placement_pk):
    placement = get_visible_or_404(
        Placement.objects.select_related("pupil", "provider"), request.membership, pk=placement_pk
    )
    form = InvoiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invoice_record(by=request.membership, placement=placement, **form.cleaned_data)
        except DomainError as error:
            for problem in error.problems:
                form.add_error(error.field if error.field in form.fields else None, problem)
        else:
            messages.success(request, "Invoice recorded: check it against the sessions below.")
            return redirect("invoice_list")
    return render(
        request,
        "reports/invoices/new.html",
        {"placement": placement, "form": form, "rates_label": Rates.of(placement).label},
    )


@require_POST
@permission_required("invoice.decide")
def invoice_decide(request, invoice_pk):
    invoice = get_visible_or_404(Invoice.objects, request.membership, pk=invoice_pk)
    form = InvoiceDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or dispute.")
        return redirect("invoice_list")
    try:
        services.invoice_decide(by=request.membership, invoice=invoice, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, f"Invoice {invoice.number}: {error.message}")
    else:
        messages.success(request, f"Invoice {invoice.number}: {invoice.get_status_display().lower()}.")
    return redirect("invoice_list")
