"""The off-site direction notice: the school days it counts and the planned end it needs."""

from datetime import date

import pytest
from pypdf import PdfReader

from placements import lifecycle
from placements.agreements.notice import referral_notice_issue
from tests.placements.conftest import TWO_MORNINGS, new_placement
from trusts.errors import DomainError

HEADER = "UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Gender,First Language,SEN,FSM\n"
TODAY = date(2026, 11, 20)


def test_notice_counts_school_days_between_start_and_planned_end(pw, django_capture_on_commit_callbacks):
    lead = pw.personas["a.ap_lead"]
    # Monday 30 November to Friday 11 December: ten school days; Tuesday and Thursday mornings attended.
    placement = new_placement(
        pw,
        reason="off_site",
        start_date=date(2026, 11, 30),
        planned_end_date=date(2026, 12, 11),
        school_main_contact="Jo Main, AP lead, 0113 496 0001",
    )
    lifecycle.timetable_set(by=lead, placement=placement, sessions=TWO_MORNINGS)
    with django_capture_on_commit_callbacks(execute=True):  # the PDF is rendered after the commit
        notice = referral_notice_issue(
            by=lead,
            placement=placement,
            notice_date=date(2026, 11, 25),
            delivered_by="hand",
            recipients="Chris Parent",
            report_to="Reception",
            reasons="Disruption.",
            objectives="Return to lessons.",
        )
    notice.refresh_from_db()
    assert notice.number_of_days == 10
    import io

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(notice.pdf))).pages)
    text = " ".join(text.split())
    assert "10 school days" in text and "on 4 of them" in text
    assert "Jo Main, AP lead, 0113 496 0001" in text


def test_notice_needs_a_planned_end(pw):
    lead = pw.personas["a.ap_lead"]
    placement = new_placement(pw, reason="off_site", start_date=date(2026, 11, 30), planned_end_date=None)
    lifecycle.timetable_set(by=lead, placement=placement, sessions=TWO_MORNINGS)
    with pytest.raises(DomainError) as error:
        referral_notice_issue(
            by=lead,
            placement=placement,
            notice_date=date(2026, 11, 25),
            delivered_by="hand",
            recipients="Chris Parent",
            report_to="Reception",
            reasons="Disruption.",
            objectives="Return to lessons.",
        )
    assert "planned end date" in error.value.message
