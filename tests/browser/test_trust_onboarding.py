"""From create_trust to a working trust, in headless Chromium: the first admin accepts the link and sets up
two-factor sign-in, adds a school and its term dates, invites a head and a provider staff member (each accepts
in a browser of their own), then removes the provider staff member, whose open session is refused at once."""

import base64
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django_scopes import scopes_disabled

from tests.factories import ProviderFactory
from tests.playwright_support import _page, screenshot, totp_code
from trusts.models import Membership, School, Term, Trust

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-new-password-42"


def accept(page, link, first, last):
    page.goto(link)
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_test_id("accept-invitation").click()


def set_up_two_factor(page):
    page.wait_for_url("**/account/two-factor/setup/**")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    page.get_by_label("Six-digit code from your authenticator app").fill(
        totp_code(base64.b32decode(secret).hex())
    )
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state("networkidle")


def last_link():
    return next(word for word in mail.outbox[-1].body.split() if "/account/invitation/" in word)


def invite(page, live_server, email, role, **choose):
    page.goto(f"{live_server.url}/people/invite/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Role").select_option(label=role)
    for field, label in choose.items():
        page.locator(f"#id_{field}").select_option(label=label)
    page.get_by_test_id("send-invitation").click()
    page.wait_for_url("**/people/")
    assert page.get_by_text(f"An invitation is on its way to {email}").is_visible()
    return last_link()


def test_a_trust_starts_and_runs_on_its_own(chromium, page, live_server, settings):
    settings.SITE_URL = live_server.url
    out = StringIO()
    call_command("create_trust", "Northern Lights Academy Trust", "ada@example.org", stdout=out)
    link = out.getvalue().split()[-1]
    assert link.startswith(live_server.url)

    # The first admin: password, then two-factor sign-in, then the checklist.
    accept(page, link, "Ada", "Admin")
    set_up_two_factor(page)
    page.wait_for_url("**/trust/setup/")  # a trust not ready to go live opens at its checklist
    assert page.get_by_test_id("go-live-checklist").is_visible()
    screenshot(page, "onboarding-checklist-empty")

    page.goto(f"{live_server.url}/trust/schools/new/")
    page.get_by_label("Name").fill("Aurora Academy")
    page.get_by_label("URN").fill("149001")
    page.get_by_label("Phase").select_option(label="Secondary")
    page.get_by_label("Local authority").fill("Leeds")
    page.get_by_test_id("save-school").click()
    page.wait_for_url("**/trust/schools/")
    assert page.get_by_role("cell", name="Aurora Academy").is_visible()

    page.goto(f"{live_server.url}/trust/calendar/terms/")
    assert page.locator("#id_autumn_start").input_value()  # pre-filled from the usual pattern
    page.get_by_test_id("save-terms").click()
    page.wait_for_url("**/trust/calendar/")
    assert page.get_by_test_id("terms-table").get_by_text("Autumn").is_visible()

    with scopes_disabled():
        trust = Trust.objects.get(name="Northern Lights Academy Trust")
        assert Term.objects.filter(trust=trust).count() == 3
        assert School.objects.filter(trust=trust).count() == 1
        ProviderFactory(trust=trust, legal_name="Aurora Skills Centre Ltd", status="approved")

    # A head and a member of provider staff, each in a browser of their own.
    head_link = invite(page, live_server, "hal@example.org", "Headteacher", school="Aurora Academy")
    staff_link = invite(
        page, live_server, "pat@example.org", "Provider staff", provider="Aurora Skills Centre Ltd"
    )
    screenshot(page, "onboarding-people")

    head_context, head_page = _page(chromium, viewport={"width": 1280, "height": 900})
    accept(head_page, head_link, "Hal", "Head")
    set_up_two_factor(head_page)
    assert "/account/" not in head_page.url
    head_context.close()

    staff_context, staff_page = _page(chromium, viewport={"width": 390, "height": 844}, is_mobile=True)
    accept(staff_page, staff_link, "Pat", "Staff")
    staff_page.wait_for_load_state("networkidle")
    assert "/account/" not in staff_page.url
    signed_in_at = staff_page.url

    # The admin removes the provider staff member: their open session is refused on its next request.
    with scopes_disabled():
        staff = Membership.objects.get(user__email="pat@example.org")
    page.goto(f"{live_server.url}/people/{staff.pk}/")
    page.get_by_test_id("remove-person").click()
    assert page.get_by_test_id("person-status").inner_text().startswith("Removed")
    assert page.get_by_test_id("person-history").get_by_text("Access removed").is_visible()
    screenshot(page, "onboarding-person-removed")

    staff_page.goto(signed_in_at)
    staff_page.wait_for_url("**/account/login/**")
    staff_context.close()
    assert not staff_page.js_errors
