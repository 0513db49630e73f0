"""Sign-in journeys in headless Chromium: an AP lead, and a DSL with the two-factor step."""

import pytest

from tests.factories import MembershipFactory, SchoolFactory, TOTPDeviceFactory, UserFactory
from tests.playwright_support import login, screenshot
from trusts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"
KEY = "3132333435363738393031323334353637383930"


def test_ap_lead_signs_in_and_sees_the_school_home(page, live_server):
    school = SchoolFactory(name="Northfield Academy")
    MembershipFactory(user=UserFactory(username="aplead", first_name="Ava"), role=Role.AP_LEAD, school=school)
    login(page, live_server, "aplead", PASSWORD)
    assert page.url == f"{live_server.url}/dashboard/school/"
    assert page.get_by_role("heading", name="Northfield Academy").is_visible()
    screenshot(page, "sign-in-ap-lead-home")
    page.get_by_role("button", name="Ava").click()
    page.get_by_test_id("sign-out").click()
    page.wait_for_url("**/account/login/")


def test_dsl_signs_in_with_a_code_and_sees_the_safeguarding_dashboard(page, live_server):
    school = SchoolFactory(name="Kirkgate Academy")
    user = UserFactory(username="dsl")
    MembershipFactory(user=user, role=Role.DSL, school=school)
    TOTPDeviceFactory(user=user, key=KEY)
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Username").fill("dsl")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("That username and password do not match an account.").is_visible()
    screenshot(page, "sign-in-wrong-password")
    login(page, live_server, "dsl", PASSWORD, totp_key=KEY)
    assert page.url == f"{live_server.url}/dashboard/safeguarding/"
    assert page.get_by_role("heading", name="Safeguarding dashboard").is_visible()
    screenshot(page, "sign-in-dsl-safeguarding")


def test_sign_in_by_keyboard_alone(page, live_server):
    school = SchoolFactory()
    MembershipFactory(user=UserFactory(username="keys"), role=Role.AP_LEAD, school=school)
    page.goto(f"{live_server.url}/account/login/")
    # The username field has the focus on arrival; the skip link is the first stop in the tab order.
    assert page.evaluate("document.activeElement.id") == "id_username"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert "Skip to main content" in page.evaluate("document.activeElement.outerHTML")
    page.get_by_label("Username").focus()
    page.keyboard.type("keys")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/school/")


def test_pages_fit_a_phone_screen(phone_page, live_server):
    school = SchoolFactory()
    MembershipFactory(user=UserFactory(username="phone"), role=Role.AP_LEAD, school=school)
    page = phone_page
    login(page, live_server, "phone", PASSWORD)
    assert page.url.endswith("/dashboard/school/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Show menu").click()
    assert page.get_by_role("link", name="Inbox").is_visible()
    screenshot(page, "sign-in-phone-menu")
