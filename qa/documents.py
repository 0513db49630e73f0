"""PDFs of quality assurance: the blank visit form for the visitor to print, and the completed visit report.

Pupils are named by initials and year group only: a report goes to the provider and to schools whose pupils
were not all theirs.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from qa import selectors
from qa.models import Rating, VisitCheck

PRINT_CSS = Path(settings.BASE_DIR) / "static" / "css" / "print.css"


def _render(template: str, context: dict) -> bytes:
    from weasyprint import CSS, HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[CSS(filename=str(PRINT_CSS))]
    )


def _pupil_label(pupil) -> str:
    return f"{pupil.initials} (Year {pupil.year_group})"


def visit_report_pdf(visit) -> bytes:
    sections = selectors.visit_sections(visit)
    return _render(
        "qa/pdf/visit_report.html",
        {
            "visit": visit,
            **sections,
            "pupils": [(_pupil_label(p.pupil), p.voice) for p in sections["pupils_seen"]],
            "answers": dict(VisitCheck.Answer.choices),
            "rating_labels": dict(Rating.choices),
            "printed_at": timezone.localtime(),
        },
    )


def blank_form_pdf(visit, *, membership) -> bytes:
    """The form to print and fill in by hand, with the live pre-visit evidence and the pupils placed there."""
    sections = selectors.visit_sections(visit)
    pupils = selectors.placed_pupils(visit.provider, membership, on=visit.day)
    return _render(
        "qa/pdf/blank_form.html",
        {
            "visit": visit,
            **sections,
            "pupils": [_pupil_label(p) for p in pupils],
            "ratings": Rating.choices,
            "printed_at": timezone.localtime(),
        },
    )
