"""The pupil import reads the column layouts of Arbor, SIMS and Bromcom exports by header name, updates the
school's own pupils by UPN instead of adding them twice, refuses another school's UPNs, and says what changed."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from placements import pupils
from placements.imports import detect_layout, parse_pupil_csv
from placements.models import Pupil
from placements.upn import make_upn
from tests.conftest import sign_in
from tests.factories import PupilFactory
from trusts.errors import DomainError

TODAY = date(2026, 11, 20)
ANN, BEN = make_upn("801202600970"), make_upn("801202600971")

ARBOR = (
    "Legal first name,Legal last name,Preferred first name,Date of birth,Year,UPN,Gender,SEN status,"
    "Eligible for FSM,First language\n"
    f"Ann,Bell,Annie,2012-03-12,Year 9,{ANN},Female,SEN Support,Yes,English\n"
    f"Ben,Cole,,2013-01-02,Year 8,{BEN},Male,No SEN,No,Polish\n"
)
SIMS = (
    "UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,NC Year Actual,Gender,SEN Status,FSM Eligible,"
    "Reg Group\n"
    f"{ANN},Bell,Ann,,12/03/2012,9,F,K,Y,9B\n"
    f"{BEN},Cole,Ben,,02/01/2013,8,M,N,N,8C\n"
)
BROMCOM = (
    "Student Legal Surname,Student Legal Forename,Student Preferred Forename,Student Date of Birth,NC Year,"
    "UPN,Gender,SEN Need,FSM Eligibility\n"
    f"Bell,Ann,,12-Mar-2012,Y9,{ANN},F,EHC Plan,True\n"
    f"Cole,Ben,,02-Jan-2013,Y8,{BEN},M,None,False\n"
)


@pytest.mark.parametrize(("text", "layout"), [(ARBOR, "Arbor"), (SIMS, "SIMS"), (BROMCOM, "Bromcom")])
def test_each_mis_layout_is_read_by_header_name(text, layout):
    assert detect_layout(text.splitlines()[0].split(",")) == layout
    rows, problems = parse_pupil_csv(text, existing_upns=set(), today=TODAY)
    assert problems == []
    ann = rows[0].fields
    assert (ann["upn"], ann["legal_first_name"], ann["legal_last_name"]) == (ANN, "Ann", "Bell")
    assert ann["date_of_birth"] == date(2012, 3, 12) and ann["year_group"] == "9"
    assert ann["gender"] == "F" and ann["fsm"] is True
    assert ann["sen_support"] or ann["ehcp"]
    assert rows[1].fields["fsm"] is False and not rows[1].fields["ehcp"]


def test_a_missing_column_is_named():
    rows, problems = parse_pupil_csv("UPN,Legal Surname,Legal Forename\n", existing_upns=set())
    assert rows == [] and problems == [
        "The file has no column for: the date of birth (a column named DOB or Date of birth); the year group "
        "(a column named Year or NC Year). The first line must name the columns."
    ]


def test_existing_pupils_are_updated_by_upn_and_the_changes_reported(pw, client):
    school = pw.schools["a1"]
    PupilFactory(
        school=school,
        upn=ANN,
        legal_first_name="Ann",
        legal_last_name="Bell",
        date_of_birth=date(2012, 3, 12),
        year_group="8",
        gender="F",
        fsm=False,
        sen_support=True,
        first_language="English",
        preferred_name="Annie",
    )
    sign_in(client, pw.personas["a.ap_lead"])
    preview = client.post(
        reverse("placements:pupil_import"),
        {"file": SimpleUploadedFile("arbor.csv", ARBOR.encode(), content_type="text/csv")},
    )
    page = preview.content.decode()
    assert "Read as an Arbor export: 1 new pupil, 1 updated (fsm, year group), 0 unchanged." in page
    assert "year group 8 → 9" in page
    assert Pupil.objects.count() == 1
    response = client.post(
        reverse("placements:pupil_import"),
        {"confirm": "1", "token": preview.context["token"], "school": school.pk},
    )
    assert response.status_code == 302
    assert Pupil.objects.count() == 2  # Ann updated, not added twice
    ann = Pupil.objects.get(upn=ANN)
    assert ann.year_group == "9" and ann.fsm
    assert ann.history.count() == 2


def test_another_schools_upn_refuses_the_whole_file(pw):
    PupilFactory(school=pw.schools["a2"], upn=BEN)
    with pytest.raises(DomainError) as refused:
        pupils.pupil_import_commit(by=pw.personas["a.ap_lead"], school=pw.schools["a1"], text=SIMS)
    assert any("another school" in p and "Line 3" in p for p in refused.value.problems)
    assert not Pupil.objects.filter(upn=ANN).exists()


def test_a_second_import_of_the_same_file_changes_nothing(pw):
    ap_lead, school = pw.personas["a.ap_lead"], pw.schools["a1"]
    pupils.pupil_import_commit(by=ap_lead, school=school, text=BROMCOM)
    rows = pupils.pupil_import_commit(by=ap_lead, school=school, text=BROMCOM)
    assert [r.action for r in rows] == ["unchanged", "unchanged"]
    assert pupils.import_summary(rows) == "0 new pupils, 0 updated, 2 unchanged"
    assert Pupil.objects.count() == 2
