"""Checks that hold for every URL of the project, present and future: CSRF everywhere, no change on GET,
no open redirect through ``next``, and the production profile's cookies and headers."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import sign_in
from tests.sweep_registry import NON_OBJECT_PARAMS, OBJECT_PARAMS
from tests.test_isolation_sweep import all_patterns
from tests.trusts.test_settings_env import PRODUCTION_ENV, manage

# Tables a GET may legitimately write: the session (refreshed once a minute for the idle timeout), the access
# log (every view of a pupil's record is logged), sign-in bookkeeping, and a new unconfirmed authenticator.
WRITABLE_ON_GET = {"django_session", "trusts_accesslog", "otp_totp_totpdevice"}
WRITE = re.compile(r'^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?([a-z0-9_]+)"?', re.IGNORECASE)


def test_csrf_middleware_is_on_and_no_view_is_exempt():
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    exempt = []
    for name, _params, entry in all_patterns():
        callback = entry.callback
        if getattr(callback, "csrf_exempt", False):
            exempt.append(name)
    assert exempt == [], f"views exempt from the CSRF check: {exempt}"
    print(f"proved: CSRF middleware on; none of {len(all_patterns())} URL patterns is csrf_exempt")


def test_forms_are_refused_without_the_csrf_token(world, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    sign_in(strict, world.personas["a.ap_lead"])
    response = strict.post(reverse("placements:pupil_create"), {"legal_first_name": "X"})
    assert response.status_code == 403
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(reverse("login"), {"username": "x", "password": "y"}).status_code == 403


def _own_urls(world):
    """Every URL of the project filled with objects of the second trust's first school, whose personas then
    request them: their own objects, so each view does its real work."""
    urls = {}
    for name, params, _entry in all_patterns():
        if name in ("logout",):
            continue
        values = {}
        for param in params:
            if param in NON_OBJECT_PARAMS:
                values[param] = NON_OBJECT_PARAMS[param]
            else:
                values[param] = OBJECT_PARAMS[param](world, "other_trust")
        if any(value is None for value in values.values()):
            continue
        urls[name] = reverse(name, kwargs=values)
    return urls


@pytest.mark.django_db
def test_no_get_request_changes_anything(world, client):
    """Every URL, requested with GET by every role on its own objects, writes nothing but the session, the
    access log and sign-in bookkeeping: state changes need a POST (with its CSRF token)."""
    urls = _own_urls(world)
    failures = []
    requests = 0
    for key, membership in world.personas.items():
        if not key.startswith("b."):
            continue
        sign_in(client, membership)
        for name, url in urls.items():
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            requests += 1
            if response.status_code >= 500:
                failures.append(f"{key} GET {name}: {response.status_code}")
            written = {
                match.group(2) for query in queries.captured_queries if (match := WRITE.match(query["sql"]))
            } - WRITABLE_ON_GET
            written = {table for table in written if not table.startswith("axes_")}
            if written:
                failures.append(f"{key} GET {name} ({url}) wrote {sorted(written)}")
        client.logout()
    assert not failures, "\n".join(failures)
    print(f"proved: {requests} GET requests over {len(urls)} URLs and every role changed nothing")


EVIL_TARGETS = (
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "http://testserver@evil.example/",
)


def _assert_stays_home(response, label):
    location = response.get("Location", "")
    assert "evil" not in location and "javascript" not in location, f"{label} redirected to {location!r}"


@pytest.mark.django_db
@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_no_open_redirect_through_next(client, target, world, time_machine):
    from django_otp.oath import TOTP

    from tests.factories import TOTPDeviceFactory

    member = world.personas["a.ap_lead"]
    member.user.set_password("correct-horse-battery")
    member.user.save()
    login = client.post(
        f"{reverse('login')}?next={target}",
        {"username": member.user.username, "password": "correct-horse-battery", "next": target},
    )
    assert login.status_code == 302
    _assert_stays_home(login, "sign-in")
    _assert_stays_home(client.get(reverse("choose_trust"), {"next": target}), "choose trust")
    page = client.get(reverse("choose_trust"), {"next": target})
    assert target not in page.content.decode().replace("&amp;", "&")

    dsl = world.personas["a.school_dsl"]
    dsl.user.set_password("correct-horse-battery")
    dsl.user.save()
    device = TOTPDeviceFactory(user=dsl.user)
    client.logout()
    client.post(reverse("login"), {"username": dsl.user.username, "password": "correct-horse-battery"})
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    verified = client.post(reverse("two_factor_verify"), {"token": f"{totp.token():06d}", "next": target})
    assert verified.status_code == 302
    _assert_stays_home(verified, "two-factor")
    _assert_stays_home(client.get(reverse("two_factor_setup"), {"next": target}), "two-factor setup")


def test_production_profile_cookies_and_headers():
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({k: "
        "getattr(s, k, None) for k in ['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY',"
        " 'SESSION_COOKIE_SAMESITE', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT',"
        " 'SECURE_CONTENT_TYPE_NOSNIFF', 'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY', 'DEBUG',"
        " 'SESSION_EXPIRE_AT_BROWSER_CLOSE', 'REQUEST_MAX_BYTES', 'MIDDLEWARE']}))"
    )
    result = manage(
        "shell", "-c", script, env={**PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "apcommission.settings"}
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True and values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True and values["DEBUG"] is False
    assert values["X_FRAME_OPTIONS"] == "DENY" and values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["MIDDLEWARE"][0] == "apcommission.middleware.RequestSizeLimitMiddleware"
    print("proved: production cookies are Secure, HttpOnly (session), SameSite=Lax; HSTS a year; https only")


@pytest.mark.django_db
def test_every_page_carries_the_security_headers(client, world):
    sign_in(client, world.personas["a.ap_lead"])
    for url in (reverse("login"), reverse("school_dashboard"), reverse("placements:pupil_list")):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "unsafe-inline" not in csp
        assert "camera=()" in response["Permissions-Policy"]
