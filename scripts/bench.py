"""The speed benchmark: a trust of realistic size in a throwaway PostgreSQL database, the pages people use
most and the chase chain, timed against targets. `make bench` runs it; it exits 1 when a target is missed.

Size: 8 schools, 20 providers, 400 pupils in AP, each with six sessions a week since the start of the
autumn term (about 26,000 expected sessions, all marked up to the benchmark's Monday).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import warnings
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/apcommission_bench")
os.environ["APP_ENV"] = "test"
os.environ["DATABASE_URL"] = BASE_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "apcommission.settings"

LONDON = ZoneInfo("Europe/London")
warnings.filterwarnings("ignore", message="No directory at")
NOW = datetime(2026, 11, 23, 9, 40, tzinfo=LONDON)  # a Monday morning, registers not yet all marked
SCHOOLS, PROVIDERS, PUPILS = 8, 20, 400
PAGE_TARGET_MS = 500  # p95 of each page
CHASE_TARGET_S = 5.0  # one chase run over the whole trust
REPEATS = 15


def recreate_database():
    import psycopg
    from psycopg import sql

    name = BASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(BASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def build():
    import time_machine
    from django_scopes import scope, scopes_disabled

    from attendance import services
    from attendance.models import ExpectedSession, RegisterMark
    from tests.factories import (
        MembershipFactory,
        PlacementFactory,
        ProviderFactory,
        PupilFactory,
        SchoolFactory,
        TermFactory,
        TimetableSessionFactory,
        UserFactory,
    )
    from trusts.roles import Role

    with time_machine.travel(datetime(2026, 9, 1, 8, tzinfo=LONDON), tick=False), scopes_disabled():
        term = TermFactory()
        trust = term.trust
        schools = [SchoolFactory(trust=trust) for _ in range(SCHOOLS)]
        providers = [
            ProviderFactory(trust=trust, status="approved", approved_until=date(2027, 8, 31))
            for _ in range(PROVIDERS)
        ]
        people = {
            "provider": MembershipFactory(
                trust=trust, role=Role.PROVIDER_STAFF, provider=providers[0], school=None
            ),
            "officer": MembershipFactory(trust=trust, role=Role.ATTENDANCE_OFFICER, school=schools[0]),
            "dsl": MembershipFactory(trust=trust, role=Role.DSL, school=None),
            "admin": MembershipFactory(trust=trust, role=Role.TRUST_ADMIN, school=None),
            "ap_lead": MembershipFactory(trust=trust, role=Role.AP_LEAD, school=schools[0]),
        }
        marker = UserFactory()
        placements = []
        for n in range(PUPILS):
            school = schools[n % SCHOOLS]
            placement = PlacementFactory(
                pupil=PupilFactory(school=school),
                school=school,
                trust=trust,
                provider=providers[n % PROVIDERS],
                status="active",
                start_date=date(2026, 9, 2),
                planned_end_date=date(2027, 7, 16),
            )
            for weekday in range(5):
                TimetableSessionFactory(
                    placement=placement,
                    weekday=weekday,
                    session="am",
                    start_time=clock(9),
                    end_time=clock(12),
                )
            TimetableSessionFactory(
                placement=placement, weekday=2, session="pm", start_time=clock(13), end_time=clock(15)
            )
            placements.append(placement)
    with scope(trust=trust.pk):
        for placement in placements:
            services.expected_sessions_generate(
                placement=placement, start=date(2026, 9, 2), end=date(2026, 12, 19)
            )
        past = ExpectedSession.objects.filter(starts_at__lt=datetime(2026, 11, 23, tzinfo=LONDON))
        marks = [
            RegisterMark(
                trust_id=trust.pk,
                expected_session_id=pk,
                status="absent" if pk % 13 == 0 else "present",
                marked_by=marker,
                marked_at=starts,
                school_code="N" if pk % 13 == 0 else "B",
            )
            for pk, starts in past.values_list("pk", "starts_at")
        ]
        RegisterMark.objects.bulk_create(marks, batch_size=2000)
        total = ExpectedSession.objects.count()
    return trust, people, total, len(marks)


def timed_pages(trust, people):
    import time_machine
    from django.test import Client
    from django.urls import reverse

    from tests.conftest import sign_in

    pages = [
        ("provider register (20 pupils)", "provider", reverse("attendance:register")),
        ("school attendance register", "officer", reverse("attendance:school_register")),
        ("absence follow-ups", "officer", reverse("attendance:follow_ups")),
        ("attendance figures, per pupil", "officer", reverse("attendance:figures") + "?by=pupil"),
        ("attendance figures, per school (trust)", "admin", reverse("attendance:figures") + "?by=school"),
        ("placement list", "ap_lead", reverse("placements:placement_list")),
        ("provider register list", "admin", reverse("providers:provider_list")),
        ("safeguarding dashboard (trust DSL)", "dsl", reverse("safeguarding_dashboard")),
        ("trust dashboard", "admin", reverse("trust_dashboard")),
    ]
    results = []
    with time_machine.travel(NOW, tick=True):
        for label, who, url in pages:
            client = Client()
            sign_in(client, people[who])
            response = client.get(url)
            assert response.status_code == 200, (label, response.status_code)
            samples = []
            for _ in range(REPEATS):
                start = time.perf_counter()
                client.get(url)
                samples.append((time.perf_counter() - start) * 1000)
            samples.sort()
            p95 = samples[int(0.95 * (len(samples) - 1))]
            results.append((label, statistics.median(samples), p95))
    return results


def timed_chase(trust):
    from django_scopes import scope

    from attendance import services

    with scope(trust=trust.pk):
        start = time.perf_counter()
        counts = services.chase_run(now=NOW)
        first = time.perf_counter() - start
        start = time.perf_counter()
        services.chase_run(now=NOW)
        again = time.perf_counter() - start
    return counts, first, again


def main() -> int:
    recreate_database()
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    trust, people, sessions, marks = build()
    print(
        f"Built {SCHOOLS} schools, {PROVIDERS} providers, {PUPILS} placements, {sessions} expected sessions, "
        f"{marks} marks in {time.perf_counter() - t0:.0f} s.\n"
    )
    failed = False
    print(f"{'page':45} {'median ms':>10} {'p95 ms':>8}  target p95 < {PAGE_TARGET_MS} ms")
    for label, median, p95 in timed_pages(trust, people):
        ok = p95 < PAGE_TARGET_MS
        failed |= not ok
        print(f"{label:45} {median:10.0f} {p95:8.0f}  {'ok' if ok else 'TOO SLOW'}")
    counts, first, again = timed_chase(trust)
    ok = first < CHASE_TARGET_S and again < CHASE_TARGET_S
    failed |= not ok
    print(
        f"\nchase run over the trust: {first:.2f} s first ({counts}), {again:.2f} s again; "
        f"target < {CHASE_TARGET_S:.0f} s: {'ok' if ok else 'TOO SLOW'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
