"""`make security`'s scanner: sqlmap against the running app on loopback, signed in, on every list filter,
sort and search parameter. Exits 1 on any finding.

It builds a throwaway database (SCAN_DATABASE_URL, default ``<DATABASE_URL>_scan``) with the demo data, starts
the development server on a free loopback port, signs in a trust admin and an AP lead (sessions made directly
in the database, the second factor included), finds every GET form and every link with a query string on
the list pages each of them opens, and runs sqlmap on each such URL with every parameter in it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit
from urllib.request import Request, urlopen

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/apcommission")
SCAN_URL = os.environ.get(
    "SCAN_DATABASE_URL", f"{BASE_URL.rsplit('/', 1)[0]}/{BASE_URL.rsplit('/', 1)[1]}_scan"
)
SQLMAP = Path(sys.executable).with_name("sqlmap")
# Each signed-in person and the list pages they open; the parameters are found on the pages themselves.
PEOPLE = {
    "trust_admin": ["/providers/", "/placements/", "/pupils/", "/audit/access-log/", "/inbox/"],
    "ap_lead": ["/placements/", "/pupils/", "/attendance/school/", "/inbox/"],
}
FINDINGS = ("is vulnerable", "appears to be injectable", "identified the following injection point")


def env(**extra):
    return {**os.environ, "APP_ENV": "test", "DATABASE_URL": SCAN_URL, "PYTHONPATH": str(ROOT), **extra}


def manage(*args, **kwargs):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env(), check=True, **kwargs)


def fresh_database():
    name = SCAN_URL.rsplit("/", 1)[1]
    with psycopg.connect(SCAN_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


SESSION_SCRIPT = """
import json
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled
from trusts.models import Membership
from trusts.services import ACTIVE_MEMBERSHIP_SESSION_KEY
cookies = {}
with scopes_disabled():
    for role in ROLES:
        membership = Membership.objects.filter(role=role, ended_at__isnull=True).order_by("pk").first()
        client = Client()
        client.force_login(membership.user)
        session = client.session
        session[ACTIVE_MEMBERSHIP_SESSION_KEY] = membership.pk
        device = TOTPDevice.objects.filter(user=membership.user, confirmed=True).first()
        if device:
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        cookies[role] = session.session_key
print(json.dumps(cookies))
"""


def sessions() -> dict:
    script = SESSION_SCRIPT.replace("ROLES", repr(list(PEOPLE)))
    out = manage("shell", "-v", "0", "-c", script, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


class Targets(HTMLParser):
    """GET forms (their field names) and links with a query string, on one page."""

    def __init__(self, page_url):
        super().__init__()
        self.page_url = page_url
        self.urls = set()
        self._form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "get").lower() == "get":
            self._form = {
                "action": urljoin(self.page_url, attrs.get("action") or self.page_url),
                "fields": {},
            }
        elif tag in ("input", "select", "textarea") and self._form is not None and attrs.get("name"):
            if attrs["name"] != "csrfmiddlewaretoken" and attrs.get("type") not in ("submit", "button"):
                self._form["fields"][attrs["name"]] = attrs.get("value") or "1"
        elif tag == "a" and "?" in (attrs.get("href") or ""):
            url = urljoin(self.page_url, attrs["href"])
            if urlsplit(url).netloc == urlsplit(self.page_url).netloc:
                self.urls.add(url)

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            if self._form["fields"]:
                self.urls.add(f"{self._form['action'].split('?')[0]}?{urlencode(self._form['fields'])}")
            self._form = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url, cookie):
    with urlopen(Request(url, headers={"Cookie": f"sessionid={cookie}"}), timeout=30) as response:
        return response.read().decode("utf-8", "replace")


def scan(url, cookie, workdir) -> list[str]:
    params = [name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)]
    result = subprocess.run(
        [
            str(SQLMAP),
            "-u",
            url,
            "--cookie",
            f"sessionid={cookie}",
            "-p",
            ",".join(params),
            "--batch",
            "--dbms",
            "PostgreSQL",
            "--level",
            "2",
            "--risk",
            "1",
            "--technique",
            "BEUS",
            "--flush-session",
            "--output-dir",
            str(workdir),
            "--disable-coloring",
            "--skip-waf",
            "--ignore-redirects",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    return [line for line in result.stdout.splitlines() if any(f in line for f in FINDINGS)]


def main() -> int:
    print(f"scan database: {SCAN_URL}")
    fresh_database()
    manage("migrate", "--noinput", "-v", "0")
    manage("seed_demo", capture_output=True)
    cookies = sessions()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    findings, scanned = [], 0
    try:
        for _ in range(100):
            try:
                urlopen(f"{base}/account/login/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.3)
        with tempfile.TemporaryDirectory() as workdir:
            for role, pages in PEOPLE.items():
                targets = set()
                for path in pages:
                    parser = Targets(base + path)
                    parser.feed(fetch(base + path, cookies[role]))
                    targets |= {u for u in parser.urls if urlsplit(u).path.rstrip("/") == path.rstrip("/")}
                for url in sorted(targets):
                    scanned += 1
                    found = scan(url, cookies[role], workdir)
                    print(f"{'FINDING' if found else 'clean  '} {role} {url[len(base) :]}")
                    findings += [f"{role} {url}: {line}" for line in found]
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"sqlmap scanned {scanned} URLs with their parameters: {len(findings)} findings")
    for finding in findings:
        print(f"  {finding}")
    return 1 if findings or scanned == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
