"""Accessibility: axe-core (the npm package, injected by Playwright into Debian's Chromium) on every page
without an id that each role of a trust opens, and on the sign-in pages. Serious or critical violations fail."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import sign_in
from tests.sweep_registry import NON_OBJECT_PARAMS
from tests.test_isolation_sweep import all_patterns

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("AXE_CORE_PATH", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
FAILING_IMPACTS = {"serious", "critical"}
# Not pages: signing out, the health check, a CSV download, and the htmx fragment the safeguarding dashboard
# refreshes itself with (checked as part of that dashboard, which includes it).
SKIPPED = {"logout", "healthz", "placements:census_export", "safeguarding_now"}


def run_axe(page) -> list[dict]:
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}: run `make test` (npm ci) or set AXE_CORE_PATH.")
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "async () => JSON.stringify((await axe.run(document, "
        "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})).violations)"
    )
    return [v for v in json.loads(result) if v["impact"] in FAILING_IMPACTS]


def describe(url, violations):
    return [
        f"{url}: {v['id']} ({v['impact']}) {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
    ]


@pytest.fixture
def page(chromium, live_server):
    """A desktop page whose context lets the test inject axe-core past the app's strict Content-Security-Policy
    (the pages themselves are served with it unchanged)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_sign_in_pages_have_no_serious_violations(page, live_server):
    failures = []
    for name in ("login", "password_reset"):
        url = f"{live_server.url}{reverse(name)}"
        page.goto(url)
        failures += describe(url, run_axe(page))
    assert not failures, "\n".join(failures)


def test_every_page_of_every_role_has_no_serious_violations(page, live_server, world):
    pages = [
        (name, reverse(name, kwargs={p: NON_OBJECT_PARAMS[p] for p in params}))
        for name, params, _ in all_patterns()
        if name not in SKIPPED
        and (not params or set(params) <= set(NON_OBJECT_PARAMS))
        and not name.startswith("password_reset")
    ]
    failures = []
    visited = 0
    for key, membership in world.personas.items():
        if not key.startswith("a."):
            continue
        client = Client()
        sign_in(client, membership)
        page.context.clear_cookies()
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        seen = set()
        for _name, path in pages:
            try:
                response = page.goto(f"{live_server.url}{path}")
            except PlaywrightError:  # a POST-only URL answers 405 with no page to check
                continue
            if response is None or response.status != 200 or page.url in seen:
                continue
            seen.add(page.url)
            visited += 1
            failures += describe(f"{key} {path}", run_axe(page))
    assert visited > 20
    assert not failures, "\n".join(failures)
    print(f"proved: axe-core found no serious or critical violation on {visited} pages over every role")
