"""Reading a pupil list exported from a school's MIS (CSV). Parsing only: placements.services commits.

Headers are matched loosely (case, spaces and common MIS spellings), so exports from the usual systems work
without editing. Every bad row is reported with its line number and what is wrong.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from placements.models import YEAR_GROUPS, Pupil
from placements.upn import normalise, upn_problem

COLUMNS = {
    "upn": ("upn", "unique pupil number"),
    "legal_last_name": ("legal surname", "surname", "last name", "family name"),
    "legal_first_name": ("legal forename", "forename", "first name", "legal first name"),
    "preferred_name": ("preferred forename", "preferred name", "known as"),
    "date_of_birth": ("dob", "date of birth", "birth date"),
    "year_group": ("year", "year group", "nc year", "ncyear", "national curriculum year"),
    "gender": ("gender", "sex"),
    "first_language": ("first language", "language", "home language"),
    "sen": ("sen", "sen status", "sen provision"),
    "fsm": ("fsm", "fsm eligible", "free school meals"),
}
REQUIRED = ("upn", "legal_last_name", "legal_first_name", "date_of_birth", "year_group")
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")
YEAR_CODES = {code for code, _ in YEAR_GROUPS}
MAX_ROWS = 2000


@dataclass
class ImportRow:
    line: int
    fields: dict


def _key(header: str) -> str | None:
    h = " ".join(header.strip().lower().replace("_", " ").split())
    for name, spellings in COLUMNS.items():
        if h in spellings:
            return name
    return None


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


def _flag(value: str) -> bool:
    return value.strip().lower() in ("y", "yes", "true", "1", "t")


def parse_pupil_csv(text: str, *, existing_upns: set[str]) -> tuple[list[ImportRow], list[str]]:
    """(rows ready to create, problems). Problems name the line of the file ("Line 3: ...")."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    try:
        headers = next(reader)
    except StopIteration:
        return [], ["The file is empty."]
    keys = [_key(h) for h in headers]
    missing = [name for name in REQUIRED if name not in keys]
    if missing:
        labels = ", ".join(COLUMNS[m][0] for m in missing)
        return [], [f"The file has no column for: {labels}. The first line must name the columns."]
    rows, problems, seen = [], [], {}
    today = date.today()
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if line > MAX_ROWS + 1:
            problems.append(f"The file has more than {MAX_ROWS} pupils: split it.")
            break
        raw = {k: (values[i].strip() if i < len(values) else "") for i, k in enumerate(keys) if k}
        row_problems = []
        upn = normalise(raw.get("upn", ""))
        problem = upn_problem(upn)
        if problem:
            row_problems.append(f"bad UPN “{raw.get('upn', '')}”: {problem}")
        elif upn in seen:
            row_problems.append(f"UPN {upn} appears twice in the file (also line {seen[upn]})")
        elif upn in existing_upns:
            row_problems.append(f"UPN {upn} is already on the trust's records (duplicate)")
        else:
            seen[upn] = line
        for name in ("legal_first_name", "legal_last_name"):
            if not raw.get(name):
                row_problems.append(f"no {COLUMNS[name][0]}")
        dob = parse_date(raw.get("date_of_birth", ""))
        if dob is None:
            row_problems.append(
                f"bad date of birth “{raw.get('date_of_birth', '')}” (write it as 31/12/2012)"
            )
        elif dob > today or dob.year < 1990:
            row_problems.append(f"date of birth {dob:%d/%m/%Y} cannot be right")
        year = parse_year_group(raw.get("year_group", ""))
        if year is None:
            row_problems.append(f"unknown year group “{raw.get('year_group', '')}”")
        gender = raw.get("gender", "").upper()[:1]
        if row_problems:
            name = f"{raw.get('legal_first_name', '')} {raw.get('legal_last_name', '')}".strip()
            problems.append(f"Line {line}{f' ({name})' if name else ''}: " + "; ".join(row_problems) + ".")
            continue
        sen = raw.get("sen", "").upper()
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
                    "gender": gender if gender in Pupil.Gender.values else Pupil.Gender.OTHER,
                    "first_language": raw.get("first_language", "")[:60],
                    # MIS SEN codes: E for an EHC plan, K for SEN support.
                    "ehcp": sen == "E",
                    "sen_support": sen == "K",
                    "fsm": _flag(raw.get("fsm", "")),
                },
            )
        )
    if not rows and not problems:
        problems.append("The file has no pupils in it.")
    return rows, problems
