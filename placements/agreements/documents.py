"""PDFs of the placements app: the service level agreement and the off-site direction notice.

Both render from frozen data (a snapshot dict), never from the live placement, so a stored document can be
re-created byte-for-byte from what it was built from and a signed one never changes.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

PRINT_CSS = Path(settings.BASE_DIR) / "static" / "css" / "print.css"


def _render(template: str, context: dict) -> bytes:
    from weasyprint import CSS, HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[CSS(filename=str(PRINT_CSS))]
    )


def render_sla_pdf(
    *, snapshot: dict, number: int, signatures: dict | None = None, fingerprint: str = ""
) -> bytes:
    """``signatures``: {"school": {"name", "role", "at"}, "provider": {...}} once signed; None for the copy
    to be signed. ``fingerprint``: the SHA-256 of the frozen data, printed so each side can check the copy
    it holds is the version signed."""
    return _render(
        "placements/pdf/sla.html",
        {"s": snapshot, "number": number, "signatures": signatures or {}, "fingerprint": fingerprint},
    )


def render_notice_pdf(*, contents: dict) -> bytes:
    return _render("placements/pdf/offsite_notice.html", {"n": contents})


def render_home_school_pdf(*, contents: dict) -> bytes:
    return _render("placements/pdf/home_school.html", {"h": contents})


def render_suspension_notice_pdf(*, contents: dict) -> bytes:
    return _render("placements/pdf/suspension_notice.html", {"n": contents})


def render_referral_form_pdf(*, placement, form) -> bytes:
    """The referral form as it stands (a working document, not a frozen one)."""
    risks = dict(form.RISK_INDICATORS)
    return _render(
        "placements/pdf/referral_form.html",
        {
            "p": placement,
            "pupil": placement.pupil,
            "f": form,
            "risks": [risks[c] for c in form.risk_indicators or [] if c in risks],
        },
    )
