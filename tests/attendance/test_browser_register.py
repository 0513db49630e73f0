"""A provider marks the register on a 390 px phone in Chromium; the school sees the marks and codes at once."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope, scopes_disabled

from attendance import services
from tests.attendance.conftest import make_placement
from tests.factories import (
    MembershipFactory,
    ProviderFactory,
    PupilFactory,
    SchoolFactory,
    TermFactory,
    UserFactory,
)
from tests.playwright_support import login, screenshot
from trusts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"
LONDON = ZoneInfo("Europe/London")


def test_provider_marks_on_a_phone_and_the_school_sees_it(phone_page, page, live_server, time_machine):
    time_machine.move_to(datetime(2026, 11, 23, 9, 10, tzinfo=LONDON), tick=True)
    term = TermFactory()
    school = SchoolFactory(trust=term.trust, name="Northfield Academy")
    provider = ProviderFactory(trust=term.trust, legal_name="Pennine Skills Hub Ltd")
    names = [("Ava", "Shaw"), ("Ben", "Okafor"), ("Cara", "Nolan")]
    with scopes_disabled():
        placements = [
            make_placement(
                school=school,
                provider=provider,
                pm_weekdays=(),
                pupil=PupilFactory(school=school, legal_first_name=first, legal_last_name=last),
            )
            for first, last in names
        ]
    with scope(trust=term.trust_id):
        for p in placements:
            services.expected_sessions_generate(placement=p, start=date(2026, 11, 23), end=date(2026, 11, 24))
    MembershipFactory(
        user=UserFactory(username="provider"),
        trust=term.trust,
        role=Role.PROVIDER_STAFF,
        provider=provider,
        school=None,
    )
    officer = UserFactory(username="officer")
    MembershipFactory(user=officer, trust=term.trust, role=Role.ATTENDANCE_OFFICER, school=school)

    phone = phone_page
    login(phone, live_server, "provider", PASSWORD)
    phone.goto(f"{live_server.url}/attendance/register/")
    assert phone.get_by_role("heading", name="Register").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "register-phone-before")

    ben = phone.locator(".register-row", has_text="Ben Okafor")
    ben.get_by_text("Late minutes or absence reason").click()
    ben.get_by_label("Absence reason").fill("Mum phoned: ill")
    ben.get_by_role("button", name="Absent").click()
    phone.locator(".register-row", has_text="Ben Okafor").get_by_test_id("mark-status").wait_for()
    assert (
        "Absent"
        in phone.locator(".register-row", has_text="Ben Okafor").get_by_test_id("mark-status").inner_text()
    )

    cara = phone.locator(".register-row", has_text="Cara Nolan")
    cara.get_by_text("Late minutes or absence reason").click()
    cara.get_by_label("Minutes late").fill("12")
    cara.get_by_role("button", name="Late").click()
    phone.locator(".register-row", has_text="Cara Nolan").get_by_test_id("mark-status").wait_for()

    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="All others present").click()
    phone.wait_for_load_state("networkidle")
    assert (
        "Present"
        in phone.locator(".register-row", has_text="Ava Shaw").get_by_test_id("mark-status").inner_text()
    )
    screenshot(phone, "register-phone-after")

    # The school, at the same moment.
    login(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}/attendance/school/?date=2026-11-23")
    rows = {name: page.locator("tr", has_text=name) for name in ("Ava Shaw", "Ben Okafor", "Cara Nolan")}
    assert rows["Ava Shaw"].get_by_test_id("school-code").inner_text() == "B"
    assert rows["Ben Okafor"].get_by_test_id("school-code").inner_text() == "N"
    assert "Mum phoned: ill" in rows["Ben Okafor"].inner_text()
    assert "12 min" in rows["Cara Nolan"].inner_text()
    screenshot(page, "register-school-view")
    page.goto(f"{live_server.url}/attendance/follow-ups/")
    assert page.get_by_text("Ben Okafor").is_visible()
