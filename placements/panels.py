"""Panels other apps add to the placement and pupil pages.

Apps that build on placements (attendance, for one) must not be imported by it, so they register a function
here from their AppConfig.ready() instead. A panel function takes (request, placement) or (request, pupil) and
returns None (nothing to show to this person) or {"template": ..., "context": {...}}. Each panel should run a
fixed number of queries, whatever the number of rows behind it: the pages pin their query counts.
"""

from __future__ import annotations

from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

PanelFunction = Callable[..., dict | None]

_placement_panels: list[PanelFunction] = []
_pupil_panels: list[PanelFunction] = []


def _register(registry: list[PanelFunction], fn: PanelFunction) -> PanelFunction:
    # ready() can run more than once (tests, management commands): register each function once.
    if fn not in registry:
        registry.append(fn)
    return fn


def register_placement_panel(fn: PanelFunction) -> PanelFunction:
    return _register(_placement_panels, fn)


def register_pupil_panel(fn: PanelFunction) -> PanelFunction:
    return _register(_pupil_panels, fn)


def _render(registry, request, subject) -> list[SafeString]:
    rendered = []
    for fn in registry:
        panel = fn(request, subject)
        if panel:
            rendered.append(mark_safe(render_to_string(panel["template"], panel.get("context", {}), request)))
    return rendered


def placement_panels(request, placement) -> list[SafeString]:
    """The HTML of every registered panel for ``placement`` that has something to show this person."""
    return _render(_placement_panels, request, placement)


def pupil_panels(request, pupil) -> list[SafeString]:
    return _render(_pupil_panels, request, pupil)
