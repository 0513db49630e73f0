"""The safeguarding loop in Chromium: provider staff raise a concern on a 390 px phone; the DSL's dashboard
shows it without a reload; the DSL acknowledges it, records an action and closes it; the chronology PDF holds
it."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfReader

from placements.safeguarding.models import SafeguardingConcern
from tests.factories import (
    MembershipFactory,
    PlacementFactory,
    ProviderFactory,
    PupilFactory,
    SchoolFactory,
    TermFactory,
    TOTPDeviceFactory,
    UserFactory,
)
from tests.playwright_support import login, screenshot
from trusts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"
KEY = "3132333435363738393031323334353637383930"
ACCOUNT = "An older male picks her up after the session. She said: I am scared of him."


def test_a_concern_from_a_phone_reaches_the_dsl_who_handles_it(page, phone_page, live_server, monkeypatch):
    monkeypatch.setattr("reports.views.POLL_SECONDS", 2)
    term = TermFactory()
    trust = term.trust
    school = SchoolFactory(trust=trust, name="Northfield Academy")
    provider = ProviderFactory(trust=trust, legal_name="Pennine Skills Hub Ltd")
    with scopes_disabled():
        pupil = PupilFactory(school=school, legal_first_name="Tia", legal_last_name="Marsh")
        PlacementFactory(
            pupil=pupil,
            provider=provider,
            status="active",
            start_date=timezone.localdate() - timedelta(days=30),
            planned_end_date=date(2027, 7, 1),
        )
    MembershipFactory(
        user=UserFactory(username="provider", first_name="Pat", last_name="Jones"),
        trust=trust,
        role=Role.PROVIDER_STAFF,
        provider=provider,
    )
    dsl = UserFactory(username="dsl", first_name="Sam", last_name="Safe")
    MembershipFactory(user=dsl, trust=trust, role=Role.DSL, school=school)
    TOTPDeviceFactory(user=dsl, key=KEY)

    # The DSL has the dashboard open.
    login(page, live_server, "dsl", PASSWORD, totp_key=KEY)
    page.goto(f"{live_server.url}/dashboard/safeguarding/")
    assert "No open concern." in page.get_by_test_id("open-concerns").inner_text()
    page.evaluate("window.stillTheSamePage = true")

    # Provider staff raise a concern on a phone.
    phone = phone_page
    login(phone, live_server, "provider", PASSWORD)
    phone.goto(f"{live_server.url}/placements/")
    phone.get_by_role("link", name="Tia Marsh").first.click()
    phone.get_by_test_id("raise-concern").click()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator("#id_category").select_option("exploitation")
    phone.locator("#id_account").fill(ACCOUNT)
    phone.locator("#id_people_present").fill("Pat Jones, key worker")
    phone.locator("#id_immediate_action").fill("Kept her inside with staff; phoned the school.")
    screenshot(phone, "concern-phone-form")
    phone.get_by_test_id("send-concern").click()
    assert phone.get_by_text("Concern sent.").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "concern-phone-sent")
    with scopes_disabled():
        concern = SafeguardingConcern.objects.get()

    # Without a reload, the DSL's dashboard shows it.
    page.get_by_test_id(f"open-concern-{concern.pk}").wait_for(timeout=20_000)
    assert page.evaluate("window.stillTheSamePage") is True
    screenshot(page, "concern-dashboard")

    # The DSL acknowledges, records an action and closes it.
    page.get_by_test_id(f"open-concern-{concern.pk}").get_by_role("link", name="Tia Marsh").click()
    assert ACCOUNT in page.get_by_test_id("concern-account").inner_text()
    page.get_by_test_id("acknowledge").click()
    assert page.get_by_text("Acknowledged").first.is_visible()
    page.locator("#id_description").fill("Strategy discussion with children's social care.")
    page.get_by_test_id("add-action").click()
    assert page.get_by_text("Action recorded.").is_visible()
    page.locator("#id_outcome").select_option("social_care")
    page.locator("#id_outcome_detail").fill("Referral 4471")
    page.get_by_test_id("close-concern").click()
    assert "Closed" in page.get_by_test_id("concern-status").inner_text()
    screenshot(page, "concern-closed")

    # The chronology PDF holds it.
    page.get_by_test_id("chronology-link").click()
    with page.expect_download() as download:
        page.get_by_test_id("chronology-pdf").click()
    data = Path(download.value.path()).read_bytes()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert "Tia Marsh" in text
    assert "scared of him" in text
    assert "Referred to children's social care" in text
    assert "Strategy discussion" in text
