"""What every PDF shares: WeasyPrint with the print stylesheet (static/css/print.css), parsed once a process."""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings

PRINT_CSS = Path(settings.BASE_DIR) / "static" / "css" / "print.css"


@functools.cache
def print_stylesheet():
    from weasyprint import CSS

    return CSS(filename=str(PRINT_CSS))


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(stylesheets=[print_stylesheet()])


def warm_up() -> None:
    """Import WeasyPrint and lay out a line of text, so its fonts are loaded before the first real document."""
    html_to_pdf("<p>Ready: <b>bold</b> <i>italic</i></p><table><tr><td>1</td></tr></table>")
