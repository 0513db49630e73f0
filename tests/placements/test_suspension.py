"""The suspension route: a suspension of more than five school days (consecutive ones added together) needs
provision from the sixth school day, the first for a looked-after child; the parents' notice at least 48
hours ahead, as a PDF, with the placement made ready for that date."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from placements import lifecycle, rules
from placements.agreements import suspension
from tests.conftest import sign_in
from tests.factories import PupilFactory
from tests.placements.conftest import FULL_WEEK, new_placement
from tests.placements.test_views import pdf_text
from trusts.calendar import SchoolCalendar
from trusts.errors import DomainError


def _suspend(pw, pupil, first_day, days):
    return suspension.suspension_record(
        by=pw.personas["a.ap_lead"],
        pupil=pupil,
        first_day=first_day,
        school_days=days,
        reason="Assault on a pupil",
    )


def test_consecutive_suspensions_add_up_and_provision_starts_on_the_sixth_day(pw):
    pupil = PupilFactory(school=pw.schools["a1"])
    _suspend(pw, pupil, date(2026, 11, 30), 3)  # Mon 30 Nov to Wed 2 Dec
    assert suspension.suspension_provision(pupil)["provision_day"] is None
    _suspend(pw, pupil, date(2026, 12, 3), 4)  # Thu 3 Dec to Tue 8 Dec: seven school days in a row
    provision = suspension.suspension_provision(pupil)
    assert provision["days"] == 7
    assert provision["provision_day"] == date(2026, 12, 7)  # the sixth school day, Monday
    pupil.looked_after, pupil.responsible_la = True, "Leeds"
    pupil.save()
    assert suspension.suspension_provision(pupil)["provision_day"] == date(2026, 11, 30)  # from the first day


def test_a_gap_of_a_school_day_starts_a_new_run(pw):
    calendar = SchoolCalendar(pw.schools["a1"])
    pupil = PupilFactory(school=pw.schools["a1"])
    _suspend(pw, pupil, date(2026, 11, 30), 3)
    _suspend(pw, pupil, date(2026, 12, 4), 3)  # Thursday 3 December in between
    assert len(rules.suspension_run(calendar, list(pupil.suspensions.all()))) == 3


def test_a_suspension_longer_than_the_term_is_refused(pw):
    pupil = PupilFactory(school=pw.schools["a1"])
    with pytest.raises(DomainError, match="only 10 school days left"):
        _suspend(pw, pupil, date(2026, 12, 7), 15)
    with pytest.raises(DomainError, match="at least one school day"):
        _suspend(pw, pupil, date(2026, 12, 7), 0)
    assert not pupil.suspensions.exists()


def test_the_parents_notice_sets_the_placement_for_the_date_and_prints(pw, client, clock):
    pupil = PupilFactory(school=pw.schools["a1"])
    _suspend(pw, pupil, date(2026, 11, 30), 8)  # to Wed 9 Dec: provision from Mon 7 Dec
    placement = new_placement(
        pw, pupil=pupil, reason="suspension", start_date=date(2026, 12, 14), planned_end_date=None
    )
    lead = pw.personas["a.ap_lead"]
    lifecycle.timetable_set(by=lead, placement=placement, sessions=FULL_WEEK)
    with pytest.raises(DomainError, match="whom the pupil reports to"):
        suspension.suspension_notice_issue(by=lead, placement=placement, report_to="")
    notice = suspension.suspension_notice_issue(
        by=lead, placement=placement, report_to="Pat Contact at reception"
    )
    placement.refresh_from_db()
    assert placement.start_date == date(2026, 12, 7) and placement.planned_end_date == date(2026, 12, 9)
    sign_in(client, lead)
    response = client.get(
        reverse("placements:suspension_notice_pdf", kwargs={"suspension_notice_pk": notice.pk})
    )
    text = pdf_text(response.content)
    for expected in (
        "Monday 07 December 2026",
        "09:00",
        "Pat Contact at reception",
        pw.providers["a"].address.split("\n")[0],
    ):
        assert expected in text, expected
    sign_in(client, pw.personas["a2.ap_lead"])
    assert (
        client.get(
            reverse("placements:suspension_notice_pdf", kwargs={"suspension_notice_pk": notice.pk})
        ).status_code
        == 404
    )


def test_a_notice_too_late_for_the_sixth_day_is_refused(pw):
    pupil = PupilFactory(school=pw.schools["a1"])
    _suspend(pw, pupil, date(2026, 11, 16), 8)  # provision from Mon 23 Nov
    placement = new_placement(
        pw, pupil=pupil, reason="suspension", start_date=date(2026, 11, 30), planned_end_date=None
    )
    lifecycle.timetable_set(by=pw.personas["a.ap_lead"], placement=placement, sessions=FULL_WEEK)
    late = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # Sunday noon: 21 hours before Monday 9:00
    with pytest.raises(DomainError, match="at least 48 hours"):
        suspension.suspension_notice_issue(
            by=pw.personas["a.ap_lead"],
            placement=placement,
            report_to="Reception",
            parents_consented=True,
            now=late,
        )
    assert not placement.suspension_notices.exists()


def test_suspensions_are_the_schools_own(pw, client):
    pupil = PupilFactory(school=pw.schools["a1"])
    url = reverse("placements:suspension_record", kwargs={"pupil_pk": pupil.pk})
    sign_in(client, pw.personas["a.ap_lead"])
    response = client.post(url, {"first_day": "2026-11-30", "school_days": "6"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="provision-day"' in page and "Monday 7 December 2026" in page
    for key in ("a2.ap_lead", "b.ap_lead"):
        sign_in(client, pw.personas[key])
        assert client.get(url).status_code == 404
    sign_in(client, pw.personas["a.provider_staff"])
    assert client.get(url).status_code == 403
