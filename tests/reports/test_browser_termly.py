"""A school governor signs in, picks last term and downloads the school's PDF in Chromium; a trust governor asks
for the trust-wide report, watches its progress and downloads it. Neither PDF names a pupil."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfReader

from providers.models import Provider
from tests.factories import (
    AcademicYearFactory,
    ExpectedSessionFactory,
    MembershipFactory,
    PlacementFactory,
    ProviderFactory,
    PupilFactory,
    RegisterMarkFactory,
    SchoolFactory,
    TermFactory,
    TrustFactory,
    UserFactory,
)
from tests.playwright_support import login, screenshot
from trusts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"
LONDON = ZoneInfo("Europe/London")


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _setup():
    """Last term ended a month ago; this term runs now. Six pupils at each school had placements last term."""
    today = timezone.localdate()
    last_start, last_end = _monday(today - timedelta(days=150)), today - timedelta(days=30)
    trust = TrustFactory(name="Northfield Learning Trust")
    year = AcademicYearFactory(
        trust=trust,
        name="2025/26",
        start_date=last_start - timedelta(days=1),
        end_date=today + timedelta(days=200),
    )
    last = TermFactory(
        academic_year=year,
        name="spring",
        start_date=last_start,
        end_date=last_end,
        half_term_start=None,
        half_term_end=None,
    )
    TermFactory(
        academic_year=year,
        name="summer",
        start_date=today - timedelta(days=20),
        end_date=today + timedelta(days=60),
        half_term_start=None,
        half_term_end=None,
    )
    schools = [SchoolFactory(trust=trust, name=n) for n in ("Northfield Academy", "Kirkgate Academy")]
    provider = ProviderFactory(
        trust=trust,
        legal_name="Pennine Skills Hub",
        status=Provider.Status.APPROVED,
        approved_until=today + timedelta(days=365),
    )
    marker = UserFactory(username="marker")
    names = []
    for school in schools:
        for i in range(6):
            pupil = PupilFactory(
                school=school, legal_first_name=f"Kai{i}", legal_last_name=f"Whitfield{school.pk}x{i}"
            )
            names += [pupil.legal_first_name, pupil.legal_last_name]
            placement = PlacementFactory(
                pupil=pupil,
                provider=provider,
                status="active",
                start_date=last_start,
                planned_end_date=today + timedelta(days=90),
                rate=Decimal("50.00"),
                rate_unit="session",
            )
            for week in range(8):
                day = last_start + timedelta(weeks=week)
                s = ExpectedSessionFactory(
                    placement=placement,
                    date=day,
                    starts_at=datetime.combine(day, time(9), tzinfo=LONDON),
                )
                RegisterMarkFactory(
                    expected_session=s,
                    status="absent" if (i + week) % 5 == 0 else "present",
                    marked_by=marker,
                )
    school_governor = MembershipFactory(
        user=UserFactory(username="gov.northfield"), role=Role.GOVERNOR, school=schools[0], trust=trust
    )
    trust_governor = MembershipFactory(
        user=UserFactory(username="gov.trust"), role=Role.GOVERNOR, school=None, trust=trust
    )
    return {
        "last": last,
        "names": names,
        "school": schools[0],
        "school_governor": school_governor,
        "trust_governor": trust_governor,
    }


def _pdf_text(path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(path).read_bytes())).pages)


def test_school_governor_downloads_last_terms_pdf(page, live_server):
    with scopes_disabled():
        s = _setup()
    login(page, live_server, "gov.northfield", PASSWORD)
    page.get_by_role("link", name="Reports").click()
    page.wait_for_url(f"**/reports/school/{s['school'].pk}/**")
    # Last term is chosen already; choose it explicitly as a governor would.
    page.locator("#id_term").select_option(str(s["last"].pk))
    page.get_by_role("button", name="Show").click()
    assert "Spring term 2025/26" in page.get_by_test_id("report-period").inner_text()
    assert page.get_by_text("Pupils in alternative provision").first.is_visible()
    body = page.content()
    assert not [n for n in s["names"] if n in body]
    screenshot(page, "termly-report-school")
    with page.expect_download() as download:
        page.get_by_test_id("download-pdf").click()
    text = _pdf_text(download.value.path())
    assert "Pupils in alternative provision" in text
    assert "Northfield Academy" in text
    assert "£2,400.00" in text  # 6 pupils, 8 sessions each at £50
    assert not [n for n in s["names"] if n in text]


def test_trust_governor_watches_the_trust_report_being_built(page, live_server):
    from reports.tasks import build_report

    with scopes_disabled():
        s = _setup()
    login(page, live_server, "gov.trust", PASSWORD)
    page.goto(f"{live_server.url}/reports/")
    page.wait_for_url("**/reports/trust/**")
    page.locator("#id_term").select_option(str(s["last"].pk))
    page.get_by_role("button", name="Show").click()
    # Hold the task back so the page shows the run waiting, then let it run and watch the page catch up.
    with mock.patch.object(build_report, "delay") as delay:
        page.get_by_test_id("build-pdf").click()
        page.wait_for_url("**/reports/runs/*/")
        assert delay.call_count == 1
    assert "Waiting to start" in page.get_by_test_id("run-status").inner_text()
    screenshot(page, "termly-report-trust-progress")
    kwargs = delay.call_args.kwargs
    build_report(**kwargs)
    page.get_by_test_id("run-download").wait_for(timeout=15_000)
    assert page.get_by_test_id("run-status").inner_text() == "Ready"
    with page.expect_download() as download:
        page.get_by_test_id("run-download").click()
    text = _pdf_text(download.value.path())
    assert "All schools of the trust" in text and "Kirkgate Academy" in text
    assert "£4,800.00" in text
    assert not [n for n in s["names"] if n in text]
