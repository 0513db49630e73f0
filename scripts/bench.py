"""The benchmark: a large trust's year of data on the real server stack, timed against the targets.

`make bench` runs it. It builds the scale data once into its own PostgreSQL databases (``seed_scale`` at the
chosen factor, and at a tenth of it for the query-count comparison; both kept and reused), then starts gunicorn
(2 workers) and Celery workers on Redis (one for every queue, one for documents), and measures on loopback:

- every page a role reaches from the navigation (and the detail pages behind them), for the role that uses it:
  p50 and p95 at 10 concurrent connections (wrk), the query count at both data sizes, and the p95 as a multiple
  of a bare view's served by the same server in the same run; the median of several runs;
- register marks posted the way the phone page posts them (one tap a pupil, groups of 8 pupils, 10 phones at
  once): marks a second, p95, errors, and a count of the marks afterwards;
- one run of each Celery job over the whole trust: time and query count at both sizes;
- every PDF: time to first byte, and the trust-wide termly report built as a task, followed on its progress
  page as a browser polls it, to the last byte of its download;
- the web workers' memory after the run.

It prints one table, writes it to docs/performance.md, and exits 1 when a target is missed. Timings depend on
the machine and on what else runs on it: the file says which machine it ran on.

    python scripts/bench.py [--factor 1] [--runs 3] [--seconds 5] [--rebuild] [--only register,jobs] [--page TEXT]

``--only`` measures some of the parts (pages, register, documents, jobs, memory) and ``--page TEXT`` (repeatable)
only the pages whose label or role contains TEXT; both print without writing docs/performance.md, which holds the
full run.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
DB_BASE = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/apcommission_bench")
REDIS_BASE = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
RESULTS = ROOT / "docs" / "performance.md"
SLUG = "scale"

# Targets (issue: scale and speed).
PAGE_P95_MS = 150
PAGE_MAX_QUERIES = 20
MARKS_PER_S = 300
MARK_P95_MS = 100
JOB_MAX_S = 2.0
DOC_MAX_S = 1.0
STORED_DOC_MAX_S = 0.1
SCHOOL_REPORT_MAX_S = 3.0
TRUST_REPORT_MAX_S = 10.0
WORKER_MAX_MB = 250
CONCURRENCY = 10
BENCH_SECONDS = 5.0
GROUP = 8  # pupils in one session's register on a phone
PARTS = ("pages", "register", "documents", "jobs", "memory")


# --- Environment and data --------------------------------------------------------------------------------


def db_url(suffix: str) -> str:
    return f"{DB_BASE}{suffix}"


def redis_url(offset: int) -> str:
    base, _, number = REDIS_BASE.rpartition("/")
    return f"{base}/{int(number) + offset}"


def env_for(database: str, redis: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        APP_ENV="test",
        DATABASE_URL=database,
        REDIS_URL=redis,
        DJANGO_SETTINGS_MODULE="bench_settings",
        PYTHONPATH=os.pathsep.join([str(SCRIPTS), str(ROOT)]),
        CELERY_TASK_ALWAYS_EAGER="false",
        DJANGO_DEBUG="false",
        LOG_LEVEL="WARNING",
        PRIVATE_MEDIA_ROOT=str(ROOT / "var" / "bench-private"),
        PYTHONWARNINGS="ignore",
    )
    env.update(extra)
    return env


def run(cmd, env, **kwargs):
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, **kwargs)


def ensure_data(database: str, redis: str, factor: float, rebuild: bool) -> None:
    """Create, migrate and seed the database once; later runs reuse it (migrations still apply)."""
    import psycopg
    from psycopg import sql

    name = urlsplit(database).path.lstrip("/")
    server = database.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        if rebuild:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = env_for(database, redis)
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
    with psycopg.connect(database) as conn:
        seeded = conn.execute("SELECT 1 FROM trusts_trust WHERE slug = %s", [SLUG]).fetchone()
    if seeded:
        print(f"  {name}: scale data present (factor {factor:g}), reused.")
        return
    print(f"  {name}: seeding at factor {factor:g} ...", flush=True)
    out = run(
        [sys.executable, "manage.py", "seed_scale", "--factor", str(factor), "--slug", SLUG],
        env,
        capture_output=True,
        text=True,
    ).stdout
    print("   ", out.strip())


def probe(database: str, redis: str, *args) -> dict:
    """Run the in-process part (query counts, sign-ins, documents, jobs) against one database."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        run(
            [sys.executable, str(SCRIPTS / "bench_probe.py"), "--out", out.name, *args],
            env_for(database, redis),
        )
        return json.load(open(out.name))


# --- The server stack ---------------------------------------------------------------------------------------


class Stack:
    def __init__(self, database: str, redis: str):
        self.env = env_for(database, redis)
        self.procs: list[subprocess.Popen] = []

    def __enter__(self):
        import redis as redis_client

        redis_client.Redis.from_url(self.env["REDIS_URL"]).flushdb()
        log = open(ROOT / "var" / "bench-server.log", "w")
        self.gunicorn = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "apcommission.wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--log-level",
                "warning",
                "--backlog",
                "256",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        # The workers as docker-compose.yml runs them: one for everything, and one of its own for the documents
        # users wait for (settings.CELERY_TASK_QUEUES).
        self.workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "apcommission",
                    "worker",
                    "-l",
                    "warning",
                    "--concurrency",
                    "1",
                    "-n",
                    f"{name}@%h",
                    "-Q",
                    queues,
                ],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )
            for name, queues in (("bench", "documents,celery,mail"), ("bench-documents", "documents"))
        ]
        self.procs = [self.gunicorn, *self.workers]
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                status, _, _ = request("GET", "/bench/bare")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise SystemExit("gunicorn did not answer within 60 s; see var/bench-server.log")

    def worker_memory_mb(self) -> list[float]:
        children = subprocess.run(
            ["pgrep", "-P", str(self.gunicorn.pid)], capture_output=True, text=True
        ).stdout.split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
        return sizes

    def __exit__(self, *exc):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def request(method, path, *, cookie=None, body=None, headers=None, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    all_headers = {"Host": "127.0.0.1"}
    if cookie:
        all_headers["Cookie"] = cookie
    if body is not None:
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    all_headers.update(headers or {})
    conn.request(method, path, body=body, headers=all_headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), data


def ttfb(path, cookie, *, method="GET", body=None, headers=None) -> tuple[float, int, int]:
    """Seconds to the first byte of the response, its status and its size."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=300)
    all_headers = {"Host": "127.0.0.1", "Cookie": cookie}
    if body is not None:
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    all_headers.update(headers or {})
    start = time.perf_counter()
    conn.request(method, path, body=body, headers=all_headers)
    response = conn.getresponse()
    first = time.perf_counter() - start
    data = response.read()
    conn.close()
    return first, response.status, len(data)


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %.3f %.3f %.3f\\n", summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def settle(limit_s: float = 60) -> None:
    """Wait until the server has worked off the requests a previous load left queued (a sync worker finishes
    a request even after its client has gone), so each measurement starts on an idle server."""
    deadline = time.time() + limit_s
    while time.time() < deadline:
        start = time.perf_counter()
        with contextlib.suppress(OSError):
            request("GET", "/bench/bare", timeout=limit_s)
        if time.perf_counter() - start < 0.1:
            return
        time.sleep(0.2)


def alone(path: str, cookie: str, repeats: int = 5) -> float:
    """Milliseconds for the page with nobody else asking: the median of a few requests one at a time."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        request("GET", path, cookie=cookie)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def wrk(path: str, cookie: str | None, seconds: float) -> dict:
    settle()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    cmd = [
        "wrk",
        "-t2",
        f"-c{CONCURRENCY}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        script.name,
    ]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    done = subprocess.run(cmd + [f"http://127.0.0.1:{PORT}{path}"], capture_output=True, text=True)
    os.unlink(script.name)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result for {path}: {done.stdout}{done.stderr}")
    requests_, status_errors, socket_errors, duration_us, p50, p95, p99 = line.split()[1:]
    return {
        "done": int(requests_),
        "rps": int(requests_) / (int(duration_us) / 1e6),
        "errors": int(status_errors) + int(socket_errors),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
    }


def ms(value: float) -> str:
    return f">{1000 * BENCH_SECONDS:.0f}" if value == float("inf") else f"{value:.0f}"


def median_of(results: list[dict]) -> dict:
    out = {key: statistics.median(r[key] for r in results) for key in results[0]}
    if not all(r["done"] for r in results):
        # No request finished inside the run: its latency is longer than the run, not zero.
        out["p50"] = out["p95"] = float("inf")
    return out


# --- Register marks -------------------------------------------------------------------------------------------


def post_marks(groups: list[dict], seconds_cap: float = 60) -> dict:
    """10 phones at once, each taking the next session's group of pupils and tapping each pupil present, the
    way the register page posts (htmx, one POST a pupil)."""
    queue = list(groups)
    lock = threading.Lock()
    latencies, errors, done = [], [], [0]
    start = time.perf_counter()

    def phone():
        while time.perf_counter() - start < seconds_cap:
            with lock:
                if not queue:
                    return
                group = queue.pop()
            for session_pk in group["sessions"]:
                body = "status=present&version=0"
                headers = {
                    "X-CSRFToken": group["csrf"],
                    "HX-Request": "true",
                    "Referer": f"http://127.0.0.1:{PORT}/",
                }
                t0 = time.perf_counter()
                try:
                    status, _, data = request(
                        "POST",
                        f"/attendance/sessions/{session_pk}/mark/",
                        cookie=group["cookie"],
                        body=body,
                        headers=headers,
                    )
                except OSError as exc:
                    status, data = 0, str(exc).encode()
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(elapsed)
                    if status != 200 or b"alert-danger" in data or b"was not saved" in data:
                        errors.append((session_pk, status))
                    else:
                        done[0] += 1

    threads = [threading.Thread(target=phone) for _ in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "posted": len(latencies),
        "saved": done[0],
        "errors": len(errors),
        "error_sample": errors[:3],
        "per_s": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] if latencies else 0,
        "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0,
        "seconds": elapsed,
    }


def count_marks(database: str, session_pks: list[int]) -> int:
    import psycopg

    with psycopg.connect(database) as conn:
        return conn.execute(
            "SELECT count(*) FROM attendance_registermark WHERE expected_session_id = ANY(%s)", [session_pks]
        ).fetchone()[0]


# --- Report ---------------------------------------------------------------------------------------------------


class Table:
    def __init__(self):
        self.sections: list[tuple[str, list[str], list[list[str]]]] = []
        self.missed: list[str] = []

    def section(self, title, header):
        self.sections.append((title, header, []))

    def row(self, cells, ok=True, what=""):
        self.sections[-1][2].append([*map(str, cells), "ok" if ok else "MISSED"])
        if not ok:
            self.missed.append(what or str(cells[0]))

    def markdown(self) -> str:
        out = []
        for title, header, rows in self.sections:
            out += [f"**{title}**", "", "| " + " | ".join([*header, "target"]) + " |"]
            out.append("| " + " | ".join("---" for _ in range(len(header) + 1)) + " |")
            out += ["| " + " | ".join(r) + " |" for r in rows]
            out.append("")
        return "\n".join(out)

    def text(self) -> str:
        out = []
        for title, header, rows in self.sections:
            cells = [[*header, "target"], *rows]
            width = len(header) + 1
            cells = [r + [""] * (width - len(r)) for r in cells]
            widths = [max(len(r[i]) for r in cells) for i in range(width)]
            out.append(title)
            for r in cells:
                out.append(
                    "  "
                    + "  ".join(
                        c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths, strict=False))
                    )
                )
            out.append("")
        return "\n".join(out)


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    memory = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, AttributeError):
        pass
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} {platform.release()}; load average {load:.1f} at the start"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factor", type=float, default=float(os.environ.get("BENCH_FACTOR", "1")))
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", "5")))
    parser.add_argument("--rebuild", action="store_true", help="Drop the benchmark databases and seed again.")
    parser.add_argument(
        "--only",
        type=lambda value: {part.strip() for part in value.split(",") if part.strip()},
        default=set(PARTS),
        help=f"Comma-separated parts to measure, of {','.join(PARTS)} (default: all; a partial run is printed, "
        "not written to docs/performance.md).",
    )
    parser.add_argument(
        "--page",
        action="append",
        default=[],
        metavar="TEXT",
        help="Only the pages whose label or role contains TEXT (repeatable); a partial run, not written.",
    )
    options = parser.parse_args()
    unknown = options.only - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    only = options.only
    global BENCH_SECONDS
    BENCH_SECONDS = options.seconds
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `scripts/system-deps.sh bench` installs it.")
    (ROOT / "var").mkdir(exist_ok=True)
    started = datetime.now()
    where = machine()
    large, small = db_url(""), db_url("_small")
    print(f"Benchmark on {where}")
    print("Data:")
    ensure_data(small, redis_url(1), options.factor / 10, options.rebuild)
    ensure_data(large, redis_url(0), options.factor, options.rebuild)

    print("Query counts and set-up ...", flush=True)
    # The same preparation on both sizes (documents made ready), so the pages show the same things.
    wanted = [flag for part, flag in (("pages", "--pages"), ("documents", "--documents")) if part in only]
    small_probe = probe(small, redis_url(1), *wanted) if wanted else {}
    if "pages" in only or "documents" in only:
        wanted.append("--sign-in")
    large_probe = probe(large, redis_url(0), *wanted) if wanted else {}
    large_probe.setdefault("pages", [])
    large_probe.setdefault("documents", [])
    if options.page:
        wanted_pages = [text.lower() for text in options.page]
        large_probe["pages"] = [
            p
            for p in large_probe["pages"]
            if any(w in f"{p['label']} {p['role']}".lower() for w in wanted_pages)
        ]
    table = Table()
    failed_pages = [p for p in large_probe["pages"] if p["status"] != 200]
    for p in failed_pages:
        print(f"  {p['label']} ({p['role']}) answered {p['status']} in the probe")

    with Stack(large, redis_url(0)) as stack:
        cookies = large_probe.get("cookies", {})
        if "pages" in only:
            # The trust-wide figures' snapshots (trusts.snapshots), as the beat keeps them on a running system.
            warm = probe(large, redis_url(0), "--warm")["warm"]
            print(f"  snapshots refreshed: {warm['refreshed']} in {warm['seconds']:.1f} s", flush=True)
            print(
                f"Pages: {options.runs} runs of {options.seconds:g} s each, {CONCURRENCY} connections ...",
                flush=True,
            )
            bare_runs, page_runs = [], {p["key"]: [] for p in large_probe["pages"]}
            for _ in range(options.runs):
                bare_runs.append(wrk("/bench/bare", None, options.seconds))
                for p in large_probe["pages"]:
                    page_runs[p["key"]].append(wrk(p["url"], cookies[p["role"]], options.seconds))
            settle()
            single = {p["key"]: alone(p["url"], cookies[p["role"]]) for p in large_probe["pages"]}
            bare = median_of(bare_runs)
            small_counts = {p["key"]: p["queries"] for p in small_probe["pages"]}
            table.section(
                f"Pages ({CONCURRENCY} concurrent connections; median of {options.runs} runs)",
                [
                    "page",
                    "role",
                    "alone ms",
                    "req/s",
                    "p50 ms",
                    "p95 ms",
                    "x bare p95",
                    "queries 0.1x",
                    "queries 1x",
                    "KB",
                ],
            )
            table.row(
                [
                    "bare view (same server)",
                    "-",
                    "-",
                    f"{bare['rps']:.0f}",
                    f"{bare['p50']:.1f}",
                    f"{bare['p95']:.1f}",
                    "1.0",
                    "-",
                    "-",
                    "-",
                ]
            )
            for p in large_probe["pages"]:
                r = median_of(page_runs[p["key"]])
                q_small, q_large = small_counts.get(p["key"], "?"), p["queries"]
                ok = (
                    r["p95"] <= PAGE_P95_MS
                    and q_large <= PAGE_MAX_QUERIES
                    and q_small == q_large
                    and r["errors"] == 0
                    and p["status"] == 200
                )
                table.row(
                    [
                        p["label"],
                        p["role"],
                        f"{single[p['key']]:.0f}",
                        f"{r['rps']:.1f}",
                        ms(r["p50"]),
                        ms(r["p95"]),
                        "-" if r["p95"] == float("inf") else f"{r['p95'] / bare['p95']:.0f}",
                        q_small,
                        q_large,
                        f"{p['bytes'] / 1024:.0f}",
                    ],
                    ok,
                    f"page {p['label']}",
                )

        large_jobs = []
        if "jobs" in only:
            print("Jobs ...", flush=True)
            large_jobs = probe(large, redis_url(0), "--jobs")["jobs"]

        if "register" in only:
            register_section(table, large)

        if "documents" in only:
            print("Documents ...", flush=True)
            settle()
            table.section(
                "Documents (time to the first byte, median of 3)",
                ["document", "role", "seconds", "KB", "limit s"],
            )
            for doc in large_probe["documents"]:
                samples = [ttfb(doc["url"], cookies[doc["role"]]) for _ in range(3)]
                seconds = statistics.median(s[0] for s in samples)
                status = samples[-1][1]
                table.row(
                    [
                        doc["label"],
                        doc["role"],
                        f"{seconds:.2f}",
                        f"{samples[-1][2] / 1024:.0f}",
                        doc["limit"],
                    ],
                    status == 200 and seconds <= doc["limit"],
                    f"document {doc['label']}",
                )
            table.row(*trust_report(cookies["trust_governor"], large_probe["csrf"]["trust_governor"]))

        memory = stack.worker_memory_mb() if "memory" in only else []
    if "jobs" in only:
        small_jobs = {j["name"]: j["queries"] for j in small_probe_jobs(small)}
        table.section(
            "Celery jobs over the whole trust (one run each)",
            ["job", "seconds", "queries 0.1x", "queries 1x", "result"],
        )
    for job in large_jobs:
        q_small = small_jobs.get(job["name"], "?")
        grows = isinstance(q_small, int) and job["queries"] > q_small * 1.5 + 5
        table.row(
            [job["name"], f"{job['seconds']:.2f}", q_small, job["queries"], job["result"]],
            job["seconds"] <= JOB_MAX_S and not grows,
            f"job {job['name']}",
        )
    if memory:
        table.section("Web worker memory after the run", ["worker", "MB"])
    for n, mb in enumerate(memory, start=1):
        table.row([f"gunicorn worker {n}", f"{mb:.0f}"], mb <= WORKER_MAX_MB, "worker memory")

    text = table.text()
    print()
    print(text)
    if only == set(PARTS) and not options.page:
        write_results(table, where, started, options)
    if table.missed:
        print(f"Missed {len(table.missed)} target(s): " + "; ".join(table.missed))
        return 1
    print("Every target met.")
    return 0


def register_section(table: Table, large: str) -> None:
    """Register marks posted the way the phone page posts them, then counted in the database."""
    groups = probe(large, redis_url(0), "--register")["register"]["groups"]
    targets = [pk for g in groups for pk in g["sessions"]]
    before = count_marks(large, targets)
    settle()
    marks = post_marks(groups)
    after = count_marks(large, targets)
    lost = marks["saved"] - (after - before)
    table.section(
        f"Register marks (one POST a pupil, groups of {GROUP}, {CONCURRENCY} phones at once)",
        ["marks posted", "marks/s", "p50 ms", "p95 ms", "errors", "marks in the database after", "lost"],
    )
    table.row(
        [
            marks["posted"],
            f"{marks['per_s']:.0f}",
            f"{marks['p50']:.0f}",
            f"{marks['p95']:.0f}",
            marks["errors"],
            f"{after} (was {before})",
            lost,
        ],
        marks["per_s"] >= MARKS_PER_S and marks["p95"] <= MARK_P95_MS and marks["errors"] == 0 and lost == 0,
        "register marks",
    )
    if marks["errors"]:
        print("  first errors:", marks["error_sample"])


def small_probe_jobs(small: str) -> list[dict]:
    import redis as redis_client

    url = redis_url(1)
    result = probe(small, url, "--jobs")["jobs"]
    redis_client.Redis.from_url(url).flushdb()  # no worker reads the small data's queue
    return result


def trust_report(cookie: str, csrf: str):
    """The trust-wide termly report as a user gets it: asked for, the run page followed while it polls the
    build's progress (htmx, at the interval the page sets), then the PDF downloaded from the link it shows.
    The seconds run from the button to the last byte of the PDF; the progress steps the page showed are
    printed, and a run that never showed its progress, or a link that never came, is a miss."""
    label, role = "trust-wide termly report (task, to download)", "trust_governor"

    def failed(why):
        return [label, role, why, "-", TRUST_REPORT_MAX_S], False, "trust report"

    start = time.perf_counter()
    status, headers, _ = request(
        "POST",
        "/reports/trust/build/",
        cookie=cookie,
        body="",
        headers={"X-CSRFToken": csrf, "Referer": f"http://127.0.0.1:{PORT}/"},
    )
    location = headers.get("Location", "")
    if status != 302 or "/reports/runs/" not in location:
        return failed(f"failed ({status})")
    path = urlsplit(location).path
    status, _, page = request("GET", path, cookie=cookie)
    if status != 200 or b'data-testid="run-progress"' not in page:
        return failed(f"no progress ({status})")
    every = re.search(rb'hx-trigger="every (\d+(?:\.\d+)?)s"', page)
    interval = float(every.group(1)) if every else 2.0
    seen, fragment = [], page
    deadline = start + 120
    while b'data-testid="run-download"' not in fragment:
        if b"alert-danger" in fragment or time.perf_counter() > deadline:
            print("  trust report: steps seen", seen)
            return failed("failed" if b"alert-danger" in fragment else "timed out")
        time.sleep(interval)
        status, _, fragment = request("GET", path, cookie=cookie, headers={"HX-Request": "true"})
        step = re.search(rb'data-testid="run-status">([^<]*)</span>([^<]*)</p>', fragment)
        if step:
            text = (step.group(1) + step.group(2)).decode().strip()
            if not seen or seen[-1] != text:
                seen.append(text)
    download = re.search(rb'href="([^"]+)" data-testid="run-download"', fragment).group(1).decode()
    status, _, data = request("GET", download, cookie=cookie)
    seconds = time.perf_counter() - start
    print(f"  trust report: progress seen {seen}, {seconds:.1f} s to the PDF (polled every {interval:g} s)")
    if status != 200 or not data.startswith(b"%PDF"):
        return failed(f"download {status}")
    return (
        [label, role, f"{seconds:.2f}", f"{len(data) / 1024:.0f}", TRUST_REPORT_MAX_S],
        seconds <= TRUST_REPORT_MAX_S,
        "trust report",
    )


def write_results(table: Table, where: str, started: datetime, options) -> None:
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        "# Performance\n\n"
        f"`make bench`, {started:%Y-%m-%d %H:%M}, on {where}. Scale data at factor {options.factor:g} "
        f"(`seed_scale`), query counts also at factor {options.factor / 10:g}; gunicorn with 2 workers and two "
        "Celery workers (every queue, and documents) on PostgreSQL and Redis, load from wrk on loopback. Other processes on the machine make the "
        "timings noisy; the query counts are exact.\n\n" + table.markdown()
    )
    print(f"Written to {RESULTS.relative_to(ROOT)}.")


if __name__ == "__main__":
    sys.exit(main())
