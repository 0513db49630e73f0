"""Vetting PDFs: a blank checklist to take on a visit, and the completed record with answers, evidence and
the decision."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from providers import selectors, services
from trusts.pdf import html_to_pdf, stored_pdf


def render_pdf(template: str, context: dict) -> bytes:
    return html_to_pdf(render_to_string(template, context))


def _rows_for(provider):
    """The provider's checklist rows, or, before it has one, the current template's questions unanswered
    (printing a checklist must not start one)."""
    checklist = selectors.current_checklist(provider)
    if checklist is not None:
        return checklist.template, selectors.checklist_rows(checklist)
    template = selectors.checklist_template_shown(provider.trust)
    return template, selectors.unanswered_rows(template, provider)


def _sections(rows):
    grouped = []
    for item, answer in rows:
        if not grouped or grouped[-1]["section"] != item.section:
            grouped.append({"section": item.section, "rows": []})
        grouped[-1]["rows"].append((item, answer))
    return grouped


def blank_checklist_pdf(provider) -> bytes:
    """The checklist to print for a visit. It shows only the provider's details, the trust's checklist and the
    day, all in its HTML, so it is drawn once and stored (``trusts.pdf.stored_pdf``): a change to the
    provider, the checklist or the day gives another document."""
    template, rows = _rows_for(provider)
    html = render_to_string(
        "providers/pdf/checklist.html",
        {
            "provider": provider,
            "template": template,
            "sections": _sections(rows),
            "blank": True,
            "generated": timezone.localdate(),
        },
    )
    return stored_pdf(html)


def completed_checklist_pdf(provider) -> bytes:
    template, rows = _rows_for(provider)
    today = timezone.localdate()
    return render_pdf(
        "providers/pdf/checklist.html",
        {
            "provider": provider,
            "template": template,
            "sections": _sections(rows),
            "blank": False,
            "evidence": list(
                provider.evidence.select_related("verified_by").order_by("evidence_type", "-issue_date")
            ),
            "history": list(selectors.approval_history(provider)),
            "conditions": list(selectors.open_conditions(provider)),
            "problems": services.approval_problems(provider=provider, on=today),
            "registration": selectors.provider_registration_status(provider, on=today),
            "today": today,
            "generated": timezone.localtime(),
        },
    )
