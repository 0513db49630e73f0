"""Pupil checks, the attendance panel, access logging, usable providers and wording on the placement pages."""

from datetime import UTC, date, datetime, time

import pytest
from django.urls import reverse
from pypdf import PdfReader

from attendance.models import ChaseEvent
from placements import lifecycle, pupils, rules
from placements.agreements.notice import referral_notice_issue
from placements.forms import PlacementForm, PupilForm
from placements.imports import parse_pupil_csv, parse_yes_no
from placements.models import Pupil
from placements.upn import make_upn
from providers.models import Provider
from tests.conftest import sign_in
from tests.factories import (
    AbsenceFollowUpFactory,
    ExpectedSessionFactory,
    ProviderFactory,
    PupilFactory,
    RegisterMarkFactory,
)
from tests.placements.conftest import TWO_MORNINGS, new_placement
from trusts.errors import DomainError
from trusts.models import AccessLog

HEADER = "UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Gender,First Language,SEN,FSM\n"
TODAY = date(2026, 11, 20)


# --- Date of birth and year group -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dob", "year", "ok"),
    [
        (date(2010, 9, 1), "11", True),  # 15 on 31 August 2026: Year 11
        (date(2011, 8, 31), "11", True),  # youngest in Year 11
        (date(2012, 8, 31), "11", True),  # a year young: allowed
        (date(2012, 9, 1), "11", False),  # two years young
        (date(2009, 9, 1), "11", True),  # a year old: allowed
        (date(2008, 8, 31), "11", False),  # 18: too old for Year 11
        (date(2022, 1, 10), "R", True),  # 4: Reception
        (date(2024, 3, 4), "11", False),
        (date(2009, 1, 1), "13", True),  # 17: Year 13
    ],
)
def test_date_of_birth_fits_year_group_edges(dob, year, ok):
    problem = rules.date_of_birth_problem(date_of_birth=dob, year_group=year, today=TODAY)
    assert (problem is None) == ok


def test_future_date_of_birth_and_cutoff_before_september():
    assert rules.date_of_birth_problem(date_of_birth=date(2026, 12, 1), year_group="R", today=TODAY) == (
        "The date of birth is in the future."
    )
    assert rules.academic_year_cutoff(date(2027, 3, 1)) == date(2026, 8, 31)
    assert rules.academic_year_cutoff(date(2026, 9, 1)) == date(2026, 8, 31)


def test_pupil_form_refuses_date_of_birth_that_does_not_fit_the_year(pw):
    data = {
        "school": pw.schools["a1"].pk,
        "legal_first_name": "Test",
        "legal_last_name": "Pupil",
        "date_of_birth": "2023-05-01",
        "upn": make_upn("801202600950"),
        "year_group": "11",
        "gender": "Q",
        "first_language": "English",
    }
    form = PupilForm(data, membership=pw.personas["a.ap_lead"])
    assert not form.is_valid()
    assert "gender" in form.errors
    assert "pupils in Year 11 were 15" in form.errors["date_of_birth"][0]
    form = PupilForm(
        {**data, "date_of_birth": "2027-01-01", "gender": "F"}, membership=pw.personas["a.ap_lead"]
    )
    assert form.errors["date_of_birth"] == ["The date of birth is in the future."]
    form = PupilForm(
        {**data, "date_of_birth": "2011-01-01", "gender": "F"}, membership=pw.personas["a.ap_lead"]
    )
    assert form.is_valid(), form.errors


def test_pupil_create_service_refuses_impossible_age(pw):
    with pytest.raises(DomainError) as error:
        pupils.pupil_create(
            by=pw.personas["a.ap_lead"],
            school=pw.schools["a1"],
            legal_first_name="Tiny",
            legal_last_name="Young",
            date_of_birth=date(2024, 3, 4),
            upn=make_upn("801202600951"),
            year_group="11",
        )
    assert error.value.field == "date_of_birth"
    assert not Pupil.objects.filter(legal_last_name="Young").exists()


def test_pupil_page_form_shows_field_error(pw, client):
    sign_in(client, pw.personas["a.ap_lead"])
    response = client.post(
        reverse("placements:pupil_create"),
        {
            "legal_first_name": "Test",
            "legal_last_name": "Pupil",
            "date_of_birth": "2023-05-01",
            "upn": make_upn("801202600952"),
            "year_group": "11",
            "gender": "F",
        },
    )
    assert response.status_code == 200
    assert "pupils in Year 11 were 15" in response.content.decode()
    assert not Pupil.objects.filter(legal_last_name="Pupil").exists()


# --- The CSV import ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["Y", "n", "YES", "no", "True", "false", "1", "0", ""])
def test_yes_no_accepts_clear_values(value):
    assert parse_yes_no(value) in (True, False)


@pytest.mark.parametrize("value", ["maybe", "2", "yy", "x"])
def test_yes_no_refuses_anything_else(value):
    assert parse_yes_no(value) is None


def test_import_names_row_and_column_of_every_impossible_value():
    text = HEADER + "\n".join(
        [
            f"{make_upn('383000126090')},Smith,John,,2012-03-04,9,Q,English,X,maybe",
            f"{make_upn('383000126091')},Young,Tiny,,2024-03-04,11,F,English,,N",
            f"{make_upn('383000126092')},Later,Born,,2030-03-04,9,F,English,,N",
            f"{make_upn('383000126093')},Good,Row,,2012-03-04,Y9,female,English,n,TRUE",
        ]
    )
    rows, problems = parse_pupil_csv(text, existing_upns=set(), today=TODAY)
    assert [r.line for r in rows] == [5]
    assert rows[0].fields["gender"] == "F" and rows[0].fields["fsm"] is True
    assert problems[0].startswith("Line 2 (John Smith), Gender: “Q” is not F (female)")
    assert problems[1].startswith("Line 2 (John Smith), SEN: “X”")
    assert problems[2] == "Line 2 (John Smith), FSM: “maybe” is not a clear yes or no (write Y or N)."
    assert problems[3].startswith("Line 3 (Tiny Young), DOB and Year: A pupil born on 04 March 2024 was 2")
    assert problems[4] == "Line 4 (Born Later), DOB: 04/03/2030 is in the future."
    assert len(problems) == 5
    assert all(p.endswith(".") and not p.endswith("..") for p in problems)


def test_import_upn_message_ends_with_one_full_stop():
    bad = "A" + make_upn("801202600900")[1:]
    rows, problems = parse_pupil_csv(
        HEADER + f"{bad},Bell,Ann,,12/03/2012,9,F,English,,", existing_upns=set()
    )
    assert problems == [
        f"Line 2 (Ann Bell), UPN: “{bad}” is not a UPN: the check letter does not match the digits: check the "
        "UPN for a typing mistake."
    ]


def test_import_page_pluralises(pw, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sign_in(client, pw.personas["a.ap_lead"])
    url = reverse("placements:pupil_import")

    def upload(text):
        return client.post(url, {"file": SimpleUploadedFile("p.csv", text.encode(), content_type="text/csv")})

    one = upload(HEADER + f"{make_upn('801202600960')},Bell,Ann,,12/03/2012,9,F,English,,maybe\n")
    assert "until this problem is fixed" in one.content.decode()
    two = upload(HEADER + f"{make_upn('801202600961')},Bell,Ann,,12/03/2012,9,Q,English,,maybe\n")
    assert "until these 2 problems are fixed" in two.content.decode()
    good = upload(HEADER + f"{make_upn('801202600962')},Bell,Ann,,12/03/2012,9,F,English,,N\n")
    assert "Import this pupil" in good.content.decode()


# --- Access log (provider staff) --------------------------------------------------------------------------


def test_provider_staff_view_of_a_placement_is_logged(pw, client):
    placement = new_placement(pw, status="active")
    sign_in(client, pw.personas["a.provider_staff"])
    response = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk}))
    assert response.status_code == 200
    log = AccessLog.objects.get(subject_id=placement.pupil_id)
    assert log.role == "provider_staff" and log.subject_type == "pupil" and log.school == placement.school


# --- Usable providers -------------------------------------------------------------------------------------


def test_new_placement_form_offers_only_providers_usable_today(pw):
    trust = pw.trust_a
    lapsed_date = ProviderFactory(trust=trust, status="approved", approved_until=date(2026, 11, 19))
    suspended = ProviderFactory(trust=trust, status="suspended", approved_until=date(2027, 8, 31))
    conditions = ProviderFactory(
        trust=trust, status="approved_with_conditions", approved_until=date(2027, 1, 1)
    )
    draft = ProviderFactory(trust=trust, status="draft")
    form = PlacementForm(membership=pw.personas["a.ap_lead"])
    offered = set(form.fields["provider"].queryset)
    assert pw.providers["a"] in offered and conditions in offered
    assert not offered & {lapsed_date, suspended, draft}
    assert "(" not in form.fields["provider"].label_from_instance(pw.providers["a"])
    response_form = PlacementForm({"provider": suspended.pk}, membership=pw.personas["a.ap_lead"])
    assert not response_form.is_valid() and "provider" in response_form.errors


def test_edit_form_keeps_the_current_provider_marked(pw):
    placement = new_placement(pw)
    Provider.objects.filter(pk=placement.provider_id).update(status="lapsed")
    placement.refresh_from_db()
    form = PlacementForm(instance=placement, membership=pw.personas["a.ap_lead"])
    assert placement.provider in set(form.fields["provider"].queryset)
    assert "not usable now" in form.fields["provider"].label_from_instance(placement.provider)


# --- Wording on the placement page ------------------------------------------------------------------------


def test_labels_costs_and_meals_on_the_placement_pages(pw, client):
    pupil = PupilFactory(school=pw.schools["a1"], fsm=False)
    placement = new_placement(
        pw,
        pupil=pupil,
        cost_per_session="65.00",
        registration_cost="20.00",
        payment_terms="Invoiced half-termly; payment within 30 days.",
        meal_arrangement="",
    )
    form = PlacementForm(membership=pw.personas["a.ap_lead"])
    assert form.fields["part_time_review_date"].label == "Part-time review date"
    assert "Name, role and phone" in form.fields["school_main_contact"].help_text
    sign_in(client, pw.personas["a.ap_lead"])
    html = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})).content
    html = html.decode()
    assert "£65.00 a session; registration £20.00</dd>" in html
    assert 'Payment terms</dt><dd class="col-7">Invoiced half-termly' in html
    assert 'data-testid="meals">Not needed' in html
    assert 'data-gate="arrangements" data-met="yes"' in html and "meals not needed" in html


def test_arrangements_gate_not_met_for_fsm_pupil_without_meals(pw, client):
    pupil = PupilFactory(school=pw.schools["a1"], fsm=True)
    placement = new_placement(pw, pupil=pupil, meal_arrangement="")
    sign_in(client, pw.personas["a.ap_lead"])
    html = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})).content
    html = html.decode()
    assert 'data-gate="arrangements" data-met="no"' in html
    assert "Not arranged yet" in html


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


# --- The attendance panel ---------------------------------------------------------------------------------


def _sessions(placement, n, *, status="present"):
    """n marked sessions on school days of the week of 16 November (and earlier weeks beyond five)."""
    days = [date(2026, 11, d) for d in (16, 17, 18, 19, 20, 9, 10, 11, 12, 13, 2, 3, 4, 5, 6)]
    made = []
    for i in range(n):
        day, session = days[i // 2], ("am", "pm")[i % 2]
        es = ExpectedSessionFactory(
            placement=placement,
            date=day,
            session=session,
            starts_at=datetime.combine(day, time(9 if session == "am" else 13), tzinfo=UTC),
            ends_at=datetime.combine(day, time(12 if session == "am" else 15), tzinfo=UTC),
        )
        RegisterMarkFactory(
            expected_session=es, status=status, school_code="N" if status == "absent" else "B"
        )
        made.append(es)
    return made


def test_placement_and_pupil_pages_show_attendance_with_links(pw, client):
    placement = new_placement(pw, status="active", start_date=date(2026, 11, 2))
    _sessions(placement, 4)
    absent = _sessions(placement, 0)
    absent = ExpectedSessionFactory(
        placement=placement,
        date=date(2026, 11, 19),
        session="pm",
        starts_at=datetime(2026, 11, 19, 13, tzinfo=UTC),
        ends_at=datetime(2026, 11, 19, 15, tzinfo=UTC),
    )
    RegisterMarkFactory(expected_session=absent, status="absent")
    AbsenceFollowUpFactory(expected_session=absent)
    ChaseEvent.objects.create(
        trust=placement.trust,
        expected_session=absent,
        kind="consecutive",
        occurred_at=datetime(2026, 11, 19, 14, tzinfo=UTC),
        detail="7 sessions in a row",
    )
    for persona in ("a.ap_lead", "a.headteacher", "a.attendance_officer"):
        sign_in(client, pw.personas[persona])
        html = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk}))
        html = html.content.decode()
        assert 'data-testid="attendance-panel"' in html
        assert "80.0%, 4 of 5 sessions, 1 absent" in html
        assert "1 absence to follow up" in html and reverse("attendance:follow_ups") in html
        assert 'data-testid="consecutive-alert"' in html and "7 sessions in a row" in html
        assert reverse("attendance:arrangement", kwargs={"placement_pk": placement.pk}) in html
        pupil_html = client.get(reverse("placements:pupil_detail", kwargs={"pupil_pk": placement.pupil_id}))
        pupil_html = pupil_html.content.decode()
        assert "Attendance at alternative provision" in pupil_html and "1 absence to follow up" in pupil_html
        assert reverse("attendance:arrangement", kwargs={"placement_pk": placement.pk}) in pupil_html
    sign_in(client, pw.personas["a.school_dsl"])
    html = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})).content
    html = html.decode()
    assert "1 absence to follow up" in html
    assert reverse("attendance:arrangement", kwargs={"placement_pk": placement.pk}) not in html
    sign_in(client, pw.personas["a.provider_staff"])
    html = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})).content
    html = html.decode()
    assert "80.0%" in html and "consecutive-alert" not in html and "to follow up" not in html


def test_old_consecutive_alert_is_not_shown(pw, client):
    placement = new_placement(pw, status="active", start_date=date(2026, 10, 1))
    (es,) = _sessions(placement, 1, status="absent")
    ChaseEvent.objects.create(
        trust=placement.trust,
        expected_session=es,
        kind="consecutive",
        occurred_at=datetime(2026, 11, 5, tzinfo=UTC),
    )
    sign_in(client, pw.personas["a.ap_lead"])
    html = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})).content
    assert b"consecutive-alert" not in html


def test_placements_does_not_import_attendance():
    import ast
    import pathlib

    for path in pathlib.Path("placements").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "attendance" for n in names), path


# session, user, memberships, OTP, the placement, access log, the page's sections, nav, and four for the
# attendance panel (year start, figures, open follow-ups, latest alert): the same for 3 rows as for 10.
PLACEMENT_DETAIL_QUERIES = 35


@pytest.mark.parametrize("rows", [3, 10])
def test_placement_detail_query_count_is_pinned(pw, client, django_assert_num_queries, rows):
    placement = new_placement(pw, status="active", start_date=date(2026, 11, 2))
    for es in _sessions(placement, rows, status="absent"):
        AbsenceFollowUpFactory(expected_session=es)
    sign_in(client, pw.personas["a.ap_lead"])
    url = reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})
    client.get(url)
    with django_assert_num_queries(PLACEMENT_DETAIL_QUERIES):
        response = client.get(url)
    assert f"{rows} absences to follow up" in response.content.decode()
