"""The real web server, as deployed (gunicorn with gunicorn.conf.py): body limits, forwarded headers, 503."""

import os
import time

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.servers import PRODUCTION_ENV, gunicorn, header_of, raw_request, status_of

HUNDRED_MB = 100 * 1024 * 1024


def test_an_oversized_body_is_refused_before_it_is_read(client):
    # The test client's payload holds 10 bytes and fails loudly if anything tries to read more.
    response = client.post(
        reverse("login"),
        data=b"x" * 10,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(HUNDRED_MB),
    )
    assert response.status_code == 413
    assert "largest upload accepted is 11 MB" in response.content.decode()
    bad = Client().post(reverse("login"), data=b"x", content_type="text/plain", CONTENT_LENGTH="lots")
    assert bad.status_code == 400


def test_the_server_answers_413_to_a_100_mb_upload_without_waiting_for_the_body():
    with gunicorn(APP_ENV="test") as port:
        started = time.monotonic()
        response = raw_request(
            port,
            "POST /providers/ HTTP/1.1\nHost: 127.0.0.1\nContent-Type: multipart/form-data; boundary=x\n"
            f"Content-Length: {HUNDRED_MB}",
            b"--x\r\n",
        )
        elapsed = time.monotonic() - started
    assert status_of(response) == 413
    assert elapsed < 5
    print(
        f"proved: a declared 100 MB body is refused with 413 after {elapsed:.2f} s, having sent 5 bytes of it"
    )


@pytest.mark.parametrize(("behind_proxy", "redirected"), [("false", True), ("true", False)])
def test_forwarded_proto_is_believed_only_behind_a_tls_proxy(behind_proxy, redirected):
    env = {**PRODUCTION_ENV, "DJANGO_BEHIND_TLS_PROXY": behind_proxy, "DJANGO_SECURE_SSL_REDIRECT": "true"}
    with gunicorn(**env) as port:
        response = raw_request(
            port, "GET /healthz HTTP/1.1\nHost: 127.0.0.1\nX-Forwarded-Proto: https\nConnection: close"
        )
    if redirected:
        # A plain-http request claiming https from loopback is still plain http: sent to https.
        assert status_of(response) == 301
        assert header_of(response, "Location").startswith("https://")
    else:
        # Served (the health answer, whatever the database says), and as https: HSTS is only sent over https.
        assert status_of(response) in (200, 503)
        assert header_of(response, "Strict-Transport-Security").startswith("max-age=31536000")
    print(f"proved: DJANGO_BEHIND_TLS_PROXY={behind_proxy}: X-Forwarded-Proto believed = {not redirected}")


def test_gunicorn_settings_follow_the_environment(monkeypatch):
    import runpy

    from tests.security.servers import ROOT

    monkeypatch.setenv("DJANGO_BEHIND_TLS_PROXY", "false")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.0/8")
    direct = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert direct["forwarded_allow_ips"] == "" and direct["secure_scheme_headers"] == {}
    monkeypatch.setenv("DJANGO_BEHIND_TLS_PROXY", "true")
    proxied = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert proxied["forwarded_allow_ips"] == "10.0.0.0/8"
    assert proxied["secure_scheme_headers"] == {"X-FORWARDED-PROTO": "https"}
    assert proxied["limit_request_line"] <= 8190 and proxied["limit_request_fields"] <= 100


def test_a_database_that_is_down_gives_a_503_page_not_a_500():
    # Port 1 on loopback: nothing listens, every connection is refused.
    down = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x").rsplit("/", 1)[-1]
    with gunicorn(APP_ENV="test", DATABASE_URL=f"postgres://postgres@127.0.0.1:1/{down}") as port:
        # A signed-in session is looked up in the database by the middleware, before any view.
        in_middleware = raw_request(
            port,
            "GET /dashboard/school/ HTTP/1.1\nHost: 127.0.0.1\nCookie: sessionid=abcdefghijklmnopqrstuvwxyz012345\nConnection: close",
        )
        # healthz says what is down.
        health = raw_request(port, "GET /healthz HTTP/1.1\nHost: 127.0.0.1\nConnection: close")
    assert status_of(in_middleware) == 503
    assert b"cannot reach its database" in in_middleware
    assert header_of(in_middleware, "Retry-After") == "30"
    assert status_of(health) == 503
    print("proved: with PostgreSQL unreachable, pages answer 503 with a page that says so")
