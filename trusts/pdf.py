"""What every PDF shares: WeasyPrint with the print stylesheet (static/css/print.css), parsed once a process,
and a store for documents drawn again and again from the same HTML."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

PRINT_CSS = Path(settings.BASE_DIR) / "static" / "css" / "print.css"
# How long a stored PDF is kept after it was last drawn.
STORED_FOR = 24 * 60 * 60


@functools.cache
def print_stylesheet():
    from weasyprint import CSS

    return CSS(filename=str(PRINT_CSS))


@functools.cache
def _stylesheet_digest() -> bytes:
    return hashlib.sha256(PRINT_CSS.read_bytes()).digest()


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(stylesheets=[print_stylesheet()])


def stored_pdf(html: str) -> bytes:
    """``html_to_pdf``, kept in the cache under a digest of the HTML and the stylesheet. Only for a document
    whose HTML holds everything it shows (no images or files read while drawing): any change to what it
    shows changes the HTML and so the key, so a stored copy is never out of date and nothing has to forget
    it. Drawing takes about a second; reading it back, a few milliseconds."""
    digest = hashlib.sha256(_stylesheet_digest() + html.encode()).hexdigest()
    key = f"pdf:{digest}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = html_to_pdf(html)
        cache.set(key, pdf, STORED_FOR)
    return pdf


def warm_up() -> None:
    """Import WeasyPrint and lay out a line of text, so its fonts are loaded before the first real document."""
    html_to_pdf("<p>Ready: <b>bold</b> <i>italic</i></p><table><tr><td>1</td></tr></table>")
