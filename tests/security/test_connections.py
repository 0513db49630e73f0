"""Bounded connections: a burst of requests on the threaded development server (the setting that once reached
PostgreSQL's 100-connection limit) stays within the pool, and a request that cannot get a connection in time
is answered 503, never 500."""

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.factories import MembershipFactory
from tests.security.servers import ROOT, free_port
from tests.trusts.test_settings_env import PRODUCTION_ENV, manage
from trusts.roles import Role

POOL_SIZE = 2
BURST = 120


def test_the_pool_is_configured_from_the_environment():
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; print(json.dumps({'pool': {k: v for k, v in d['OPTIONS']['pool'].items() "
        "if k != 'reset'}, 'age': d['CONN_MAX_AGE']}))"
    )
    production = manage("shell", "-c", script, env=PRODUCTION_ENV)
    assert production.returncode == 0, production.stderr
    values = json.loads(production.stdout.strip().splitlines()[-1])
    assert values["pool"]["max_size"] == 4 and values["pool"]["timeout"] == 10
    # Django refuses persistent connections together with a pool: the pool is what keeps them.
    assert values["age"] == 0
    sized = manage(
        "shell", "-c", script, env={**PRODUCTION_ENV, "DB_POOL_MAX_SIZE": "9", "DB_POOL_TIMEOUT": "3"}
    )
    assert json.loads(sized.stdout.strip().splitlines()[-1])["pool"]["max_size"] == 9
    bad = manage("check", env={**PRODUCTION_ENV, "DB_POOL_MAX_SIZE": "lots"})
    assert bad.returncode != 0 and "DB_POOL_MAX_SIZE" in bad.stderr


@contextlib.contextmanager
def dev_server(database_name: str, **env):
    port = free_port()
    url = settings.DATABASES["default"]
    full_env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": f"postgres://{url['USER']}@{url['HOST']}:{url['PORT']}/{database_name}",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError):
                urlopen(f"http://127.0.0.1:{port}/account/login/", timeout=2).read()
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the development server did not start")
            time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _server_connections(database_name: str) -> int:
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
            [database_name],
        ).fetchone()
    return row[0]


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_requests_stays_within_the_pool_and_the_overflow_gets_503():
    member = MembershipFactory(role=Role.AP_LEAD)
    browser = Client()
    browser.force_login(member.user)
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    database_name = connection.settings_dict["NAME"]
    # The test's own connections are closed, so that every connection counted below is the server's.
    connection.close()
    connection.close_pool()
    # A server an earlier test stopped may take a moment to let its connection go: wait for it, then count
    # only what this burst adds.
    deadline = time.monotonic() + 15
    while _server_connections(database_name) and time.monotonic() < deadline:
        time.sleep(0.2)
    baseline = _server_connections(database_name)
    assert baseline <= 1, baseline
    peak = baseline
    statuses = []
    stop = threading.Event()

    def watch():
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _server_connections(database_name))
            time.sleep(0.02)

    def fetch(port):
        request = Request(f"http://127.0.0.1:{port}/dashboard/school/", headers={"Cookie": cookie})
        try:
            with urlopen(request, timeout=60) as response:
                response.read()
                return response.status
        except HTTPError as error:
            body = error.read()
            assert error.code != 503 or b"cannot reach its database" in body
            return error.code

    with dev_server(database_name, DB_POOL_MAX_SIZE=str(POOL_SIZE), DB_POOL_TIMEOUT="1") as port:
        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            with ThreadPoolExecutor(max_workers=BURST) as pool:
                statuses = list(pool.map(fetch, [port] * BURST))
        finally:
            stop.set()
            watcher.join()
    counts = {status: statuses.count(status) for status in set(statuses)}
    assert set(counts) <= {200, 503}, counts
    assert counts.get(200, 0) > 0
    assert peak - baseline <= POOL_SIZE, (peak, baseline)
    print(
        f"proved: {BURST} simultaneous signed-in requests on the threaded server used at most {peak} "
        f"PostgreSQL connections (pool {POOL_SIZE}); answers {counts}, no 500"
    )
