"""A placement's status badge, written in Python: a list page shows one a row, and an ``{% include %}`` a row
cost more than the rest of the row."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

ANSWER_AWAITED = mark_safe("waiting for the provider's answer")


@register.filter
def placement_status(p) -> str:
    """The status badge; a proposed placement's answer from the provider, or a draft's refusal, beside it."""
    outcome = f" ({p.get_ended_outcome_display().lower()})" if p.ended_outcome else ""
    html = format_html(
        '<span class="badge placement-status-{}">{}{}</span>', p.status, p.get_status_display(), outcome
    )
    if p.status == "proposed":
        answer = "accepted by the provider" if p.provider_response == "accepted" else ANSWER_AWAITED
        html += format_html(
            ' <span class="small text-body-secondary" data-testid="answer-{}">{}</span>', p.pk, answer
        )
    elif p.status == "draft" and p.provider_response == "declined":
        html += mark_safe(' <span class="small text-danger">declined by the provider</span>')
    return mark_safe(html)
