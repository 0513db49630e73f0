"""Playwright fixtures: Debian's Chromium, driven headless, for the main journeys.

Use ``page`` (desktop) or ``phone_page`` (390 px wide) with the ``live_server`` fixture, ``login()`` to sign in
through the real form (and the real TOTP step), and ``screenshot()`` to keep a picture in test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium():
    # Playwright's sync API runs an event loop in this thread; Django's ORM is still used synchronously here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `make test`, which installs it.")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
    playwright.stop()


def _page(chromium, **context_args):
    context = chromium.new_context(**context_args)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.js_errors = errors
    return context, page


@pytest.fixture
def page(chromium, live_server):
    context, page = _page(chromium, viewport={"width": 1280, "height": 900}, accept_downloads=True)
    yield page
    context.close()
    assert not page.js_errors, f"JavaScript or CSP errors on the page: {page.js_errors}"


@pytest.fixture
def phone_page(chromium, live_server):
    context, page = _page(
        chromium,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    yield page
    context.close()
    assert not page.js_errors, f"JavaScript or CSP errors on the page: {page.js_errors}"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def totp_code(hex_key: str) -> str:
    from django_otp.oath import totp

    return f"{totp(bytes.fromhex(hex_key)):06d}"


def login(page, live_server, username: str, password: str, totp_key: str | None = None) -> None:
    """Sign in through the real form; with ``totp_key`` (hex), pass the two-factor step too."""
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if totp_key:
        page.wait_for_url("**/account/two-factor/**")
        page.get_by_label("Six-digit code from your authenticator app").fill(totp_code(totp_key))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("networkidle")
