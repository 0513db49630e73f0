"""A trust admin takes a provider from first contact to approval in Chromium, then downloads the vetting
record and checks what it says."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfReader

from providers.models import Evidence, Provider
from providers.selectors import critical_evidence_codes
from tests.factories import MINIMAL_PDF, MembershipFactory, TOTPDeviceFactory, TrustFactory, UserFactory
from tests.playwright_support import login, screenshot
from tests.providers.conftest import add_checklist_evidence
from trusts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"
KEY = "3132333435363738393031323334353637383930"
INSURED = {
    "public_liability_insurance": "5000000",
    "employers_liability_insurance": "10000000",
}


def test_trust_admin_vets_and_approves_a_provider(page, live_server, tmp_path):
    trust = TrustFactory(name="Northfield Learning Trust", slug="northfield")
    user = UserFactory(username="admin", first_name="Dana", last_name="Reid")
    MembershipFactory(user=user, trust=trust, role=Role.TRUST_ADMIN, school=None)
    TOTPDeviceFactory(user=user, key=KEY)
    login(page, live_server, "admin", PASSWORD, totp_key=KEY)

    # First contact: the provider goes on the register as a draft.
    page.get_by_role("link", name="Providers").click()
    page.get_by_test_id("add-provider").click()
    page.get_by_label("Legal name").fill("Moorside Motor Skills Ltd")
    page.get_by_label("Address").fill("Unit 4, Moor Lane, Leeds")
    page.get_by_label("Postcode").fill("LS9 8AB")
    page.get_by_label("Named contact for schools").fill("Kim Lowe")
    page.get_by_label("Contact email").fill("kim@moorside.example")
    page.get_by_label("Registration status").select_option("unregistered")
    page.get_by_label("Risk level").select_option("higher")
    page.get_by_label("Motor vehicles (repair, maintenance or driving)").check()
    screenshot(page, "providers-1-new-provider")
    page.get_by_test_id("save-provider").click()
    page.wait_for_url("**/providers/*/")
    assert page.get_by_test_id("provider-status").inner_text() == "Draft"

    # Evidence: a disguised file is refused, then every critical document is uploaded as a PDF.
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(MINIMAL_PDF)
    fake = tmp_path / "policy.pdf"
    fake.write_bytes(b"MZ\x90\x00 this is a program, not a PDF")
    today = timezone.localdate()
    page.get_by_test_id("upload-link").click()
    page.get_by_label("Kind of document").select_option("safeguarding_policy")
    page.get_by_label("Issued or adopted on").fill(f"{today - timedelta(days=30):%Y-%m-%d}")
    page.get_by_label("Expires or due for review on").fill(f"{today + timedelta(days=300):%Y-%m-%d}")
    page.get_by_label("File").set_input_files(str(fake))
    page.get_by_test_id("upload-evidence").click()
    assert page.get_by_text("This file is not one of those.").is_visible()
    screenshot(page, "providers-2-disguised-file-refused")
    with scopes_disabled():
        provider = Provider.objects.get(legal_name="Moorside Motor Skills Ltd")
    for code in critical_evidence_codes(provider):
        page.goto(f"{live_server.url}/providers/{provider.pk}/evidence/new/")
        page.get_by_label("Kind of document").select_option(code)
        page.get_by_label("Issued or adopted on").fill(f"{today - timedelta(days=30):%Y-%m-%d}")
        page.get_by_label("Expires or due for review on").fill(f"{today + timedelta(days=300):%Y-%m-%d}")
        if code in INSURED:
            page.get_by_label("Amount insured (£)").fill(INSURED[code])
        page.get_by_label("File").set_input_files(str(pdf))
        page.get_by_test_id("upload-evidence").click()
        page.wait_for_url("**/providers/*/#evidence")
    assert page.get_by_role("tab", name="Evidence").get_attribute("aria-selected") == "true"
    screenshot(page, "providers-3-evidence")
    with scopes_disabled():
        assert Evidence.objects.filter(provider=provider, status="verified").count() == len(
            critical_evidence_codes(provider)
        )

    # The vetting checklist: every question answered yes, one with a comment.
    page.get_by_role("tab", name="Checklist").click()
    page.get_by_test_id("checklist-link").click()
    assert page.get_by_text(
        "Higher-risk environment: the robust health and safety checks apply."
    ).is_visible()
    page.locator('input[type="radio"][value="yes"]').evaluate_all(
        "els => els.forEach(e => { e.checked = true; })"
    )
    page.locator("textarea").first.fill("Seen on the visit on site.")
    page.screenshot(path=str(screenshot(page, "providers-4-checklist")), full_page=False)
    page.get_by_test_id("save-checklist").click()
    page.wait_for_url("**/providers/*/#checklist")

    # Submit, then approve.
    page.get_by_role("tab", name="Approval").click()
    page.get_by_test_id("submit-provider").click()
    page.wait_for_url("**/#approval")
    assert page.get_by_test_id("provider-status").inner_text() == "Submitted for approval"
    page.get_by_test_id("approve-link").click()
    # Answering yes is not enough: each answer that names documents needs one verified and in date.
    problems = page.get_by_test_id("approval-problems")
    assert "Professional negligence / indemnity insurance certificate" in problems.inner_text()
    assert "ICO registration (data protection fee) certificate" in problems.inner_text()
    screenshot(page, "providers-4b-approval-blocked")
    with scopes_disabled():
        add_checklist_evidence(provider)
    page.reload()
    assert page.get_by_text("Everything required is in place.").is_visible()
    until = today + timedelta(days=365)
    page.get_by_label("Approved until").fill(f"{until:%Y-%m-%d}")
    page.get_by_label("Note for the history (optional)").fill("Visit and checks complete.")
    page.get_by_test_id("confirm-approve").click()
    page.wait_for_url("**/#approval")
    assert page.get_by_test_id("provider-status").inner_text() == "Approved"
    screenshot(page, "providers-5-approved")

    # The completed vetting record, downloaded and read.
    with page.expect_download() as download_info:
        page.get_by_test_id("record-pdf").click()
    download = download_info.value
    assert download.suggested_filename == "vetting-record-moorside-motor-skills-ltd.pdf"
    with open(download.path(), "rb") as handle:
        pages = PdfReader(io.BytesIO(handle.read())).pages
    # Table cells wrap their text over lines: compare with the whitespace evened out.
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "Vetting record: Moorside Motor Skills Ltd" in text
    assert "Seen on the visit on site." in text
    assert f"Approved until {until.day} {until:%B %Y}" in text
    assert "Visit and checks complete." in text
    assert "Single central record / DBS assurance letter" in text
