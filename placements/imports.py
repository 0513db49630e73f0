"""Reading a pupil list exported from a school's MIS (CSV). Parsing only: placements.pupils commits.

Columns are found by their header names, loosely (case, spaces, underscores), in the spellings of the
pupil-list exports of Arbor, SIMS and Bromcom as well as the import page's own; the order of the columns does
not matter and extra columns are ignored. Values are read in those systems' words too ("EHC Plan", "SEN
Support", "Yes", "Female", "Year 9"). Every bad row is reported with its line number and what is wrong.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from placements.models import YEAR_GROUPS, Pupil
from placements.rules import date_of_birth_problem
from placements.upn import normalise, upn_problem

COLUMNS = {
    "upn": ("upn", "unique pupil number", "student upn", "pupil upn"),
    "legal_last_name": (
        "legal surname",
        "surname",
        "last name",
        "family name",
        "legal last name",
        "student legal surname",
        "pupil legal surname",
    ),
    "legal_first_name": (
        "legal forename",
        "forename",
        "first name",
        "legal first name",
        "student legal forename",
        "pupil legal forename",
    ),
    "preferred_name": (
        "preferred forename",
        "preferred name",
        "known as",
        "preferred first name",
        "student preferred forename",
    ),
    "date_of_birth": ("dob", "date of birth", "birth date", "student date of birth"),
    "year_group": (
        "year",
        "year group",
        "nc year",
        "ncyear",
        "national curriculum year",
        "nc year actual",
        "current year group",
        "curriculum year",
    ),
    "gender": ("gender", "sex", "legal sex"),
    "first_language": ("first language", "language", "home language", "main language"),
    "sen": ("sen", "sen status", "sen provision", "sen need", "send status"),
    "fsm": (
        "fsm",
        "fsm eligible",
        "free school meals",
        "eligible for fsm",
        "fsm eligibility",
        "is fsm eligible",
    ),
}

# The column layouts of the usual MIS pupil-list exports, named by their distinctive headers. Mapping is by
# header name whatever the layout; the layout is named on the preview so the person sees the file was read
# as they expected.
LAYOUTS = {
    "Arbor": (
        "legal first name",
        "legal last name",
        "preferred first name",
        "date of birth",
        "eligible for fsm",
    ),
    "SIMS": (
        "legal forename",
        "legal surname",
        "preferred forename",
        "dob",
        "nc year actual",
        "fsm eligible",
    ),
    "Bromcom": (
        "student legal forename",
        "student legal surname",
        "student preferred forename",
        "student date of birth",
        "fsm eligibility",
    ),
}
# The column names the import page asks for, used in problems.
COLUMN_LABELS = {"legal_last_name": "Legal Surname", "legal_first_name": "Legal Forename"}
REQUIRED = ("upn", "legal_last_name", "legal_first_name", "date_of_birth", "year_group")
# A required column that is missing, in words and by the header the import page asks for.
MISSING_LABELS = {
    "upn": ("the unique pupil number", "UPN"),
    "legal_last_name": ("the legal surname", "Legal Surname"),
    "legal_first_name": ("the legal forename", "Legal Forename"),
    "date_of_birth": ("the date of birth", "DOB or Date of birth"),
    "year_group": ("the year group", "Year or NC Year"),
}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d-%b-%Y", "%d %b %Y", "%d %B %Y")
YEAR_CODES = {code for code, _ in YEAR_GROUPS}
MAX_ROWS = 2000


@dataclass
class ImportRow:
    line: int
    fields: dict
    # Set by the commit's check: the pupil this row updates (same UPN, same school), and what it changes.
    pupil_id: int | None = None
    changes: dict = field(default_factory=dict)

    @property
    def changed(self) -> list[tuple[str, str, str]]:
        """(what, from, to) for the page, in words."""

        def word(value):
            if isinstance(value, bool):
                return "yes" if value else "no"
            if isinstance(value, date):
                return f"{value:%d/%m/%Y}"
            return str(value) or "—"

        return [(name.replace("_", " "), word(old), word(new)) for name, (old, new) in self.changes.items()]

    @property
    def action(self) -> str:
        if self.pupil_id is None:
            return "new"
        return "update" if self.changes else "unchanged"


def _normal(header: str) -> str:
    return " ".join(header.strip().lower().replace("_", " ").split())


def _key(header: str) -> str | None:
    h = _normal(header)
    for name, spellings in COLUMNS.items():
        if h in spellings:
            return name
    return None


def detect_layout(headers) -> str:
    """The MIS whose export these headers look like ("Arbor", "SIMS", "Bromcom"), or "CSV" for any other."""
    names = {_normal(h) for h in headers}
    best, score = "CSV", 0
    for layout, distinctive in LAYOUTS.items():
        hits = sum(1 for h in distinctive if h in names)
        if hits > score and hits >= 2:
            best, score = layout, hits
    return best


def parse_year_group(value: str) -> str | None:
    v = value.strip().upper().replace("YEAR", "").replace("Y", "").strip()
    if v in ("R", "RECEPTION", "REC"):
        return "R"
    if v.isdigit() and str(int(v)) in YEAR_CODES:
        return str(int(v))
    return None


def parse_date(value: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


YES = ("y", "yes", "true", "1")
NO = ("n", "no", "false", "0")
# Gender as MIS exports write it: the code or the word.
GENDERS = {
    "f": Pupil.Gender.FEMALE,
    "female": Pupil.Gender.FEMALE,
    "m": Pupil.Gender.MALE,
    "male": Pupil.Gender.MALE,
    "x": Pupil.Gender.OTHER,
    "other": Pupil.Gender.OTHER,
    "not stated": Pupil.Gender.OTHER,
}
# MIS SEN codes: E for an EHC plan, K for SEN support, N for none; and the words exports use for them.
SEN_CODES = ("E", "K", "N")
SEN_WORDS = {
    "ehc plan": "E",
    "ehcp": "E",
    "education, health and care plan": "E",
    "statement": "E",
    "sen support": "K",
    "k - sen support": "K",
    "e - ehc plan": "E",
    "n - no special educational need": "N",
    "no sen": "N",
    "none": "N",
    "no special educational need": "N",
}


def parse_sen(value: str) -> str | None:
    """E, K, N, or "" for an empty cell; None for anything else."""
    v = " ".join(value.strip().lower().split())
    if v == "":
        return ""
    if v.upper() in SEN_CODES:
        return v.upper()
    return SEN_WORDS.get(v)


def parse_yes_no(value: str) -> bool | None:
    """True or False for a clear yes or no; None for anything else. An empty cell means no: MIS exports leave
    the column blank for pupils the flag does not apply to."""
    v = value.strip().lower()
    if v in YES:
        return True
    if v in NO or v == "":
        return False
    return None


def parse_gender(value: str) -> str | None:
    v = " ".join(value.strip().lower().split())
    if v == "":
        return Pupil.Gender.OTHER
    return GENDERS.get(v)


def _sentence(text: str) -> str:
    return text.rstrip(" .") + "."


def read_layout(text: str) -> str:
    """The layout name of a file, from its first line."""
    try:
        headers = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    except (StopIteration, csv.Error):
        return "CSV"
    return detect_layout(headers)


def parse_pupil_csv(
    text: str, *, existing_upns: set[str], own_upns: set[str] = frozenset(), today: date | None = None
) -> tuple[list[ImportRow], list[str]]:
    """(rows ready to save, problems). Each problem names the line and the column ("Line 3 (Ann Bell), FSM: ...").

    ``existing_upns`` are UPNs the file may not use (pupils of the trust's other schools); ``own_upns`` are
    the school's own pupils, which the file updates."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    try:
        headers = next(reader)
    except StopIteration:
        return [], ["The file is empty."]
    except csv.Error:
        return [], ["The file is not a CSV file: save it from the MIS as CSV."]
    keys = [_key(h) for h in headers]
    missing = [name for name in REQUIRED if name not in keys]
    if missing:
        labels = "; ".join(f"{MISSING_LABELS[m][0]} (a column named {MISSING_LABELS[m][1]})" for m in missing)
        return [], [f"The file has no column for: {labels}. The first line must name the columns."]
    rows, problems, seen = [], [], {}
    today = today or timezone.localdate()
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if line > MAX_ROWS + 1:
            problems.append(f"The file has more than {MAX_ROWS} pupils: split it.")
            break
        raw = {k: (values[i].strip() if i < len(values) else "") for i, k in enumerate(keys) if k}
        row_problems = []  # (column, what is wrong)
        upn = normalise(raw.get("upn", ""))
        problem = upn_problem(upn)
        if problem:
            row_problems.append(
                ("UPN", f"“{raw.get('upn', '')}” is not a UPN: {problem[:1].lower()}{problem[1:]}")
            )
        elif upn in seen:
            row_problems.append(("UPN", f"{upn} appears twice in the file (also line {seen[upn]})"))
        elif upn in existing_upns and upn not in own_upns:
            row_problems.append(
                (
                    "UPN",
                    f"{upn} belongs to a pupil of another school of the trust (duplicate): remove the row",
                )
            )
        else:
            seen[upn] = line
        for name in ("legal_first_name", "legal_last_name"):
            if not raw.get(name):
                row_problems.append((COLUMN_LABELS[name], "empty"))
        dob = parse_date(raw.get("date_of_birth", ""))
        year = parse_year_group(raw.get("year_group", ""))
        if dob is None:
            row_problems.append(
                ("DOB", f"“{raw.get('date_of_birth', '')}” is not a date (write it as 31/12/2012)")
            )
        elif dob.year < 1990:
            row_problems.append(("DOB", f"{dob:%d/%m/%Y} cannot be right"))
        elif dob > today:
            row_problems.append(("DOB", f"{dob:%d/%m/%Y} is in the future"))
        elif year is not None:
            problem = date_of_birth_problem(date_of_birth=dob, year_group=year, today=today)
            if problem:
                row_problems.append(("DOB and Year", problem))
        if year is None:
            row_problems.append(
                ("Year", f"“{raw.get('year_group', '')}” is not a year group (write R or 1 to 14)")
            )
        gender = parse_gender(raw.get("gender", ""))
        if gender is None:
            row_problems.append(
                (
                    "Gender",
                    f"“{raw.get('gender', '')}” is not F (female), M (male) or X (other or not stated)",
                )
            )
        sen = parse_sen(raw.get("sen", ""))
        if sen is None:
            row_problems.append(
                ("SEN", f"“{raw.get('sen', '')}” is not E (EHC plan), K (SEN support), N (none) or empty")
            )
        fsm = parse_yes_no(raw.get("fsm", ""))
        if fsm is None:
            row_problems.append(("FSM", f"“{raw.get('fsm', '')}” is not a clear yes or no (write Y or N)"))
        if row_problems:
            name = f"{raw.get('legal_first_name', '')} {raw.get('legal_last_name', '')}".strip()
            where = f"Line {line}{f' ({name})' if name else ''}"
            problems += [_sentence(f"{where}, {column}: {text}") for column, text in row_problems]
            continue
        rows.append(
            ImportRow(
                line=line,
                fields={
                    "upn": upn,
                    "legal_first_name": raw["legal_first_name"][:100],
                    "legal_last_name": raw["legal_last_name"][:100],
                    "preferred_name": raw.get("preferred_name", "")[:100],
                    "date_of_birth": dob,
                    "year_group": year,
                    "gender": gender,
                    "first_language": raw.get("first_language", "")[:60],
                    "ehcp": sen == "E",
                    "sen_support": sen == "K",
                    "fsm": fsm,
                },
            )
        )
    if not rows and not problems:
        problems.append("The file has no pupils in it.")
    return rows, problems
