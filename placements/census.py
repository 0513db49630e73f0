"""The School Census AP module export: one row per placement that is agreed, running or ended."""

from __future__ import annotations

import io

from placements import rules
from trusts import csv_export

CENSUS_COLUMNS = (
    "School URN",
    "UPN",
    "Surname",
    "Forename",
    "Date of birth",
    "Provider name",
    "Provider URN",
    "Provider UKPRN",
    "Setting type",
    "Reason",
    "Entry date",
    "Leaving date",
    "Sessions per week",
    "Hours per week",
    "Status",
)


def census_rows(placements) -> list[dict]:
    """One row per placement as the School Census AP module asks for it."""
    rows = []
    for p in placements:
        rows.append(
            {
                "School URN": p.school.urn,
                "UPN": p.pupil.upn,
                "Surname": p.pupil.legal_last_name,
                "Forename": p.pupil.legal_first_name,
                "Date of birth": p.pupil.date_of_birth.isoformat(),
                "Provider name": p.provider.legal_name,
                "Provider URN": p.provider.urn,
                "Provider UKPRN": p.provider.ukprn,
                "Setting type": p.provider.get_registration_status_display(),
                "Reason": p.get_reason_display(),
                "Entry date": p.start_date.isoformat(),
                "Leaving date": (p.ended_on or p.planned_end_date).isoformat()
                if (p.ended_on or p.planned_end_date)
                else "",
                "Sessions per week": p.session_count or 0,
                "Hours per week": rules.fmt_hours(p.weekly_hours or 0),
                "Status": p.get_status_display(),
            }
        )
    return rows


def census_csv(placements) -> str:
    """The export as CSV text: the header row, then one row per placement."""
    buffer = io.StringIO()
    writer = csv_export.dict_writer(buffer, fieldnames=list(CENSUS_COLUMNS))
    writer.writeheader()
    writer.writerows(census_rows(placements))
    return buffer.getvalue()
