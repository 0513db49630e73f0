"""What the placements pages share: showing a refusal, fetching a visible placement, PDF downloads."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from placements.models import Placement
from trusts.access import get_visible_or_404
from trusts.errors import DomainError


def show_error(request, error: DomainError, form=None):
    """Field errors next to the field where the service named one; every problem as a message otherwise."""
    if form is not None and error.field and error.field in form.fields:
        form.add_error(error.field, error.message)
        return
    if len(error.problems) > 1:
        messages.error(request, error.message)
        for problem in error.problems:
            if problem != error.message:
                messages.warning(request, problem)
    else:
        messages.error(request, error.problems[0])


def get_placement(request, placement_pk, **extra):
    queryset = Placement.objects.select_related(
        "pupil", "provider", "school", "trust__policy", "referral_form"
    )
    return get_visible_or_404(queryset, request.membership, pk=placement_pk, **extra)


def to_detail(placement):
    return redirect("placements:placement_detail", placement_pk=placement.pk)


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(bytes(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
