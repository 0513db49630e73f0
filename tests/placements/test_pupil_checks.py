"""Pupil records: the date of birth against the year group (form, service and page), and the checks of the
MIS import that name the row and column of every bad value."""

from datetime import date

import pytest
from django.urls import reverse

from placements import pupils, rules
from placements.forms import PupilForm
from placements.imports import parse_pupil_csv, parse_yes_no
from placements.models import Pupil
from placements.upn import make_upn
from tests.conftest import sign_in
from trusts.errors import DomainError

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
