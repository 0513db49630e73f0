"""A visitor plans a QA visit, records the on-site part on a 390 px phone, finishes it at a desk and downloads
the report PDF, whose text is checked."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from tests.playwright_support import login, screenshot
from tests.qa.conftest import build_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"
LONDON = ZoneInfo("Europe/London")


def test_visitor_records_a_whole_visit_and_downloads_the_report(page, phone_page, live_server, time_machine):
    time_machine.move_to(datetime(2026, 11, 23, 9, 30, tzinfo=LONDON), tick=True)
    build_setup()

    # At the desk: plan the visit from the schedule.
    login(page, live_server, "visitor", PASSWORD)
    page.goto(f"{live_server.url}/qa/")
    assert page.get_by_role("heading", name="Quality assurance visits").is_visible()
    row = page.get_by_test_id("schedule-row").filter(has_text="Pennine Skills Hub Ltd")
    assert "Overdue" in row.inner_text()  # unregistered: the first half-term's visit was due by 25 October
    row.get_by_role("link", name="Plan a visit").click()
    page.get_by_label("Date of the visit").fill("2026-11-23")
    page.get_by_role("button", name="Plan the visit").click()
    page.wait_for_url("**/qa/visits/*/")
    visit_url = page.url

    # On site, on a phone: start recording, answer checks, save part-done.
    phone = phone_page
    login(phone, live_server, "visitor", PASSWORD)
    phone.goto(visit_url)
    phone.get_by_test_id("record-visit").click()
    phone.wait_for_url("**/record/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_label("Who you met at the provider").fill("Sam Lee, centre manager")
    phone.get_by_label("Start time").fill("10:15")
    for code in ("S7", "S10", "S11"):
        phone.locator(f".qa-check[data-code='{code}']").get_by_text("Yes", exact=True).click()
    phone.locator(".qa-check[data-code='S10']").get_by_placeholder("What was seen").fill(
        "Plans on every floor"
    )
    phone.get_by_label("Ava Shaw (Year 10)").check()
    phone.get_by_label("What A.S. said").fill("I like the workshop and I am getting my CSCS card.")
    screenshot(phone, "qa-visit-phone")
    phone.get_by_role("button", name="Save for later").click()
    assert phone.get_by_text("Saved. You can come back and finish it later.").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # Back at the desk: rate the standards, write the plan, finish.
    page.goto(visit_url + "record/")
    assert page.get_by_label("Who you met at the provider").input_value() == "Sam Lee, centre manager"
    selects = page.locator("select[name^='rating-']")
    for i in range(selects.count()):
        selects.nth(i).select_option("fully")
    evidence = page.locator("textarea[name^='evidence-']")
    for i in range(evidence.count()):
        evidence.nth(i).fill(f"Seen and discussed ({i + 1})")
    page.locator(".qa-standard[data-code='2g'] select").select_option("partially")
    page.locator(".qa-standard[data-code='2g'] textarea").fill("Drill log has gaps since September")
    page.get_by_label("Strengths").fill("Calm workshop, strong relationships.")
    page.locator("#action-0-area").fill("Fire drills")
    page.locator("#action-0-action").fill("Hold a drill each half-term and log it")
    page.locator("#action-0-rag").select_option("amber")
    page.locator("#action-0-owner").fill("Sam Lee")
    page.locator("#action-0-due_date").fill("2026-12-11")
    page.get_by_label("Meets most standards, with agreed improvements").check()
    page.get_by_label("Next visit by").fill("2027-01-20")
    page.get_by_role("button", name="Finish and freeze the report").click()
    page.wait_for_url(visit_url)
    assert page.get_by_test_id("visit-status").inner_text() == "Completed"
    screenshot(page, "qa-visit-completed")

    with page.expect_download() as download_info:
        page.get_by_test_id("report-pdf").click()
    download = download_info.value
    assert download.suggested_filename == "qa-visit-pennine-skills-hub-ltd-2026-11-23-v1.pdf"
    with open(download.path(), "rb") as handle:
        pages = PdfReader(io.BytesIO(handle.read())).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "Quality assurance visit report" in text
    assert "Meets most standards, with agreed improvements" in text
    assert "Drill log has gaps since September" in text and "Partially" in text
    assert "Plans on every floor" in text
    assert "A.S. (Year 10)" in text and "I like the workshop" in text and "Ava Shaw" not in text
    assert "Hold a drill each half-term and log it" in text and "Sam Lee" in text
    assert "Next visit by 20 January 2027" in text
