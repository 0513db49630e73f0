"""Both sides of a placement in Chromium, in two browser contexts: the AP lead refers a pupil and proposes
the placement; the provider's member of staff accepts it on a phone; the headteacher signs the agreement for
the school and the provider's staff sign it for the provider; the headteacher agrees, the AP lead starts it,
and both sides download the same signed PDF, naming both signatories and the version's fingerprint."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfReader

from placements.models import Placement
from placements.upn import make_upn
from providers.models import Provider
from tests.factories import (
    MembershipFactory,
    ProviderFactory,
    SchoolFactory,
    TOTPDeviceFactory,
    TrustFactory,
    UserFactory,
)
from tests.playwright_support import login, screenshot
from trusts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"
KEY = "3132333435363738393031323334353637383930"


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_both_sides_take_a_pupil_from_referral_to_an_active_placement(page, phone_page, live_server):
    today = timezone.localdate()
    trust = TrustFactory(name="Northfield Learning Trust")
    school = SchoolFactory(trust=trust, name="Northfield Academy", address="1 School Lane, Leeds")
    provider = ProviderFactory(
        trust=trust,
        legal_name="Pennine Skills Hub",
        address="Unit 4, Canal Wharf, Leeds",
        postcode="LS11 5PS",
        status=Provider.Status.APPROVED,
        approved_until=today + timedelta(days=365),
    )
    MembershipFactory(
        user=UserFactory(username="aplead", first_name="Ava", last_name="Lead"),
        role=Role.AP_LEAD,
        school=school,
    )
    head = UserFactory(username="head", first_name="Hal", last_name="Head")
    MembershipFactory(user=head, role=Role.HEADTEACHER, school=school)
    TOTPDeviceFactory(user=head, key=KEY)
    MembershipFactory(
        user=UserFactory(username="pat", first_name="Pat", last_name="Contact"),
        trust=trust,
        role=Role.PROVIDER_STAFF,
        provider=provider,
        job_title="Centre manager",
        may_sign_agreements=True,
    )

    # The AP lead adds the pupil and a parent.
    login(page, live_server, "aplead", PASSWORD)
    page.get_by_role("link", name="Pupils").click()
    page.get_by_test_id("add-pupil").click()
    page.locator("#id_legal_first_name").fill("Kai")
    page.locator("#id_legal_last_name").fill("Whitfield")
    page.locator("#id_date_of_birth").fill("2012-10-01")
    page.locator("#id_upn").fill("A123")
    page.locator("#id_year_group").select_option("9")
    page.get_by_test_id("save").click()
    assert page.get_by_text("A UPN has 13 characters").is_visible()
    page.locator("#id_upn").fill(make_upn("383000126001"))
    page.get_by_test_id("save").click()
    page.wait_for_url("**/pupils/*/")
    page.get_by_test_id("add-carer").click()
    page.locator("#id_name").fill("Chris Whitfield")
    page.locator("#id_relationship").fill("Mother")
    page.locator("#id_phone").fill("0113 496 0001")
    page.get_by_test_id("save").click()

    # A placement with a timetable.
    page.get_by_test_id("new-placement").click()
    page.locator("#id_provider").select_option(str(provider.pk))
    page.locator("#id_reason").select_option("curriculum")
    page.locator("#id_start_date").fill(today.isoformat())
    page.locator("#id_planned_end_date").fill((today + timedelta(days=70)).isoformat())
    page.locator("#id_transport").select_option("parent")
    page.locator("#id_school_main_contact").fill("Ava Lead, AP lead, ava@example.org")
    page.locator("#id_school_dsl_contact").fill("Dee Safe, DSL, 0113 496 0009")
    page.locator("#id_provider_contact").fill("Pat Contact, centre manager")
    page.locator("#id_payment_terms").fill("Invoiced half-termly, 30 days")
    page.get_by_test_id("save").click()
    page.wait_for_url("**/timetable/")
    for i in range(10):
        page.get_by_test_id(f"attends-{i}").check()
    screenshot(page, "placement-timetable")
    # On a phone the sessions stack: nothing runs off the side of a 390 px screen.
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(page, "placement-timetable-390")
    page.set_viewport_size(size)
    page.get_by_test_id("save").click()

    # The detail page says exactly what still blocks agreement.
    gates = page.get_by_test_id("gates")
    assert "What still blocks agreement (6)" in gates.inner_text()
    for code in ("provider_accepted", "consent", "plan", "sla", "la_informed", "risk_assessment"):
        assert gates.locator(f'[data-gate="{code}"]').get_attribute("data-met") == "no"
    assert gates.locator('[data-gate="provider"]').get_attribute("data-met") == "yes"
    screenshot(page, "placement-gates-blocking")
    # Part A of the referral form comes before the proposal.
    page.get_by_test_id("referral-form-a").click()
    page.locator("#id_ethnicity").select_option("not_said")
    page.locator("#id_disability").select_option("no")
    page.locator("#id_safeguarding_category").select_option("none")
    page.locator("#id_attendance_last_year").fill("88.5")
    page.locator("#id_interventions_tried").fill("Mentoring and a reduced timetable for six weeks.")
    page.get_by_test_id("save").click()
    assert page.get_by_text("Part A of the referral form is complete.").is_visible()
    page.get_by_test_id("propose").click()
    assert page.get_by_text("Proposed: the provider can now see it.").is_visible()
    placement_url = page.url

    # The provider's member of staff, on a phone, reads the referral and accepts it.
    login(phone_page, live_server, "pat", PASSWORD)
    phone_page.goto(placement_url)
    phone_page.get_by_test_id("respond").click()
    phone_page.locator("#id_key_worker").fill("Sam Keyworker")
    assert phone_page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "referral-accept-390")
    phone_page.get_by_test_id("accept").click()
    assert phone_page.get_by_text("You accepted the referral").is_visible()
    page.reload()
    assert (
        page.get_by_test_id("gates").locator('[data-gate="provider_accepted"]').get_attribute("data-met")
        == "yes"
    )

    page.get_by_test_id("gate-link-consent").click()
    page.locator("#id_carer").select_option(index=1)
    page.locator("#id_decision").select_option("given")
    page.locator("#id_method").select_option("in_person")
    page.get_by_test_id("save").click()

    page.get_by_test_id("gate-link-plan").click()
    page.locator("#id_plan-reintegration_aim").fill("Back to full-time lessons by Easter.")
    page.locator("#id_plan-pupil_views").fill("Wants to learn a trade.")
    page.locator("#id_targets-0-objective").fill("Attend every session")
    page.locator("#id_targets-0-baseline").fill("74% attendance last term")
    page.locator("#id_targets-0-measure").fill("Provider registers")
    page.locator("#id_targets-0-target_date").fill((today + timedelta(days=60)).isoformat())
    page.get_by_test_id("save").click()

    page.get_by_test_id("gate-link-risk_assessment").click()
    page.locator("#id_la_informed_on").fill(today.isoformat())
    page.locator("#id_risk_assessment_recorded_on").fill(today.isoformat())
    page.locator("#id_risk_assessment_summary").fill("Low risk; supervised throughout.")
    page.get_by_test_id("save").click()

    page.get_by_test_id("sla-build").click()
    page.wait_for_url("**/agreement/")
    assert page.get_by_test_id("sla-sign").count() == 0  # the AP lead signs for no one

    # The headteacher (with the second factor) signs for the school.
    page.context.clear_cookies()
    login(page, live_server, "head", PASSWORD, totp_key=KEY)
    page.goto(placement_url)
    assert page.get_by_test_id("agree").count() == 0  # not yet: the agreement is unsigned
    assert page.get_by_test_id("agree-blocked").is_visible()
    page.get_by_test_id("sla-history").click()
    page.get_by_test_id("sla-sign").click()
    page.locator("#id_confirm").check()
    page.get_by_test_id("sign").click()
    assert page.get_by_text("You signed version 1 for the school.").is_visible()

    # The provider's staff sign for the provider, on the phone.
    phone_page.goto(placement_url)
    phone_page.get_by_test_id("sla-history").click()
    phone_page.get_by_test_id("sla-sign").click()
    fingerprint = phone_page.get_by_test_id("fingerprint").inner_text()
    phone_page.locator("#id_confirm").check()
    phone_page.get_by_test_id("sign").click()
    assert phone_page.get_by_text("You signed version 1 for the provider.").is_visible()
    screenshot(phone_page, "agreement-signed-390")

    # Every condition met: the headteacher agrees.
    page.goto(placement_url)
    gates = page.get_by_test_id("gates")
    assert "Every condition is met" in gates.inner_text()
    screenshot(page, "placement-gates-met")
    page.get_by_test_id("agree").click()
    assert page.get_by_text("You agreed the placement.").is_visible()

    # The AP lead starts it and downloads the signed SLA.
    page.context.clear_cookies()
    login(page, live_server, "aplead", PASSWORD)
    page.goto(placement_url)
    page.get_by_test_id("activate").click()
    assert page.get_by_text("The placement is now active.").is_visible()
    screenshot(page, "placement-active")
    with page.expect_download() as download:
        page.get_by_test_id("sla-pdf-1").click()
    school_copy = Path(download.value.path()).read_bytes()
    phone_page.goto(placement_url)
    phone_page.get_by_test_id("sla-history").click()
    with phone_page.expect_download() as download:
        phone_page.get_by_test_id("sla-pdf-1").click()
    provider_copy = Path(download.value.path()).read_bytes()
    assert school_copy == provider_copy  # both sides hold the same signed document
    text = _pdf_text(school_copy)
    for expected in (
        "Northfield Academy",
        "Pennine Skills Hub",
        "Kai Whitfield",
        "26.25 hours (full-time)",
        "Invoiced half-termly, 30 days",
        "Signed for the school: Hal Head, Headteacher",
        "Signed for the provider: Pat Contact, Centre manager",
        "Key worker at the provider Sam Keyworker",
        fingerprint,
    ):
        assert expected in text, expected
    with scopes_disabled():
        placement = Placement.objects.get()
        assert placement.status == "active" and placement.approved_by == head
        assert placement.sla_versions.get().fingerprint == fingerprint
