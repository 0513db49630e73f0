"""The report's charts: server-side SVG from pygal, so the page and the PDF (WeasyPrint) show the same picture.

Each chart is returned as a ``data:image/svg+xml`` URI for an ``<img>``: the page's content security policy
allows images from data URIs but no inline styles, and WeasyPrint draws SVG images as they are. No script is
embedded (pygal's tooltips would load one from the web). Every chart sits next to a table of the same figures,
which is the accessible version; a withheld value (``None``) is left out of the chart, never drawn as a number.
"""

from __future__ import annotations

import base64

import pygal
from pygal.style import Style

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    colors=("#0d6efd", "#198754", "#6f42c1", "#fd7e14", "#20c997"),
    font_family="DejaVu Sans, sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    value_font_size=11,
    title_font_size=14,
    legend_font_size=11,
)
CONFIG = {
    "style": STYLE,
    "width": 720,
    "height": 320,
    "js": [],
    "disable_xml_declaration": False,
    "show_legend": False,
    "print_values": True,
    "explicit_size": True,
    "truncate_label": 24,
    "margin": 12,
}


# A chart draws at most this many bars: a bar a provider over a large trust's hundred and more providers is
# unreadable at the page's width, and each bar's labels made the PDF slow to draw. The table beside it lists all.
MAX_BARS = 20


def largest(points, n: int = MAX_BARS) -> tuple[list, bool]:
    """The ``n`` (label, value) points with the largest values, largest first (withheld values left out), and
    whether any point was left out for that."""
    shown = sorted((p for p in points if p[1] is not None), key=lambda p: p[1], reverse=True)
    return shown[:n], len(shown) > n


def _uri(chart) -> str:
    svg = chart.render()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def bar(title: str, points, *, y_title: str = "", percent: bool = False) -> str:
    """A bar per (label, value); withheld values (None) are left out. Empty string when nothing is left."""
    shown = [(label, float(value)) for label, value in points if value is not None]
    if not any(value for _, value in shown):
        return ""  # nothing to draw: the table says so
    chart = pygal.Bar(title=title, y_title=y_title, **CONFIG)
    if percent:
        chart.range = (0, 100)
    chart.x_labels = [label for label, _ in shown]
    chart.add(y_title or title, [value for _, value in shown])
    chart.value_formatter = (lambda v: f"{v:.0f}%") if percent else (lambda v: f"{v:,.0f}")
    return _uri(chart)


def line(title: str, points, *, y_title: str = "") -> str:
    """A line over (label, value) points, with gaps where a value is withheld."""
    if not any(value is not None for _, value in points):
        return ""
    chart = pygal.Line(title=title, y_title=y_title, range=(0, 100), x_label_rotation=30, **CONFIG)
    chart.x_labels = [label for label, _ in points]
    chart.add(y_title or title, [None if value is None else float(value) for _, value in points])
    chart.value_formatter = lambda v: f"{v:.0f}%"
    return _uri(chart)
