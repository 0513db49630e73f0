"""Reading a CSV of providers (for example a local authority's AP directory). Every row is checked before
anything is saved, and every bad row is reported with its line number and what is wrong."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from providers import vetting_data
from providers.models import Provider
from trusts.csv_import import decode_upload

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 1000
REQUIRED_COLUMNS = (
    "legal_name",
    "address",
    "postcode",
    "contact_name",
    "contact_email",
    "registration_status",
)
OPTIONAL_COLUMNS = (
    "trading_name",
    "phone",
    "email",
    "website",
    "contact_phone",
    "dsl_name",
    "dsl_email",
    "dsl_phone",
    "deputy_dsl_name",
    "deputy_dsl_phone",
    "urn",
    "ukprn",
    "la_directory_listed",
    "local_authority",
    "risk_level",
    "risk_categories",
    "offer_summary",
    "days_and_hours",
    "capacity",
    "cost_per_session",
    "cost_per_day",
    "provides_transport",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
BOOLEAN_COLUMNS = ("la_directory_listed", "provides_transport")
MONEY_COLUMNS = ("cost_per_session", "cost_per_day")
TRUE_WORDS, FALSE_WORDS = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}
RISK_CODES = {code for code, _ in vetting_data.ENVIRONMENT_RISK_CATEGORIES}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not CSV, wrong columns, too big)."""


@dataclass
class ImportRow:
    line: int
    raw: dict
    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _choice(value: str, choices) -> str | None:
    wanted = value.strip().lower()
    for code, label in choices:
        if wanted in (code.lower(), label.lower()):
            return code
    return None


def _model_problem(column: str, error: ValidationError, value: str) -> str:
    """One of the model's validation errors, in the import's "column: what is wrong" form."""
    if column == "__all__":
        message = " ".join(error.messages)
        if "provider_name_unique_in_trust" in message or "already exists" in message:
            return "legal_name: a provider with this name is already on the register"
        return message
    if error.code in ("blank", "null", "required"):
        return f"{column}: empty, but a value is required"
    if error.code == "invalid" and column.endswith("email"):
        return f"{column}: '{value}' is not an e-mail address"
    return f"{column}: {' '.join(error.messages)}"


def read_csv(data: bytes) -> list[dict]:
    """The rows of an uploaded CSV as dicts of strings, with their line numbers under "_line"."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError("The file is larger than 1 MB. Split it into smaller files.")
    try:
        text = decode_upload(data)
    except UnicodeDecodeError:
        raise ImportFileError(
            "The file is not UTF-8 text. Save it from your spreadsheet as 'CSV UTF-8'."
        ) from None
    if "\x00" in text:
        raise ImportFileError("This is not a CSV file. Save it from your spreadsheet as 'CSV UTF-8'.")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not headers:
        raise ImportFileError("The file is empty.")
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    unknown = [h for h in headers if h and h not in COLUMNS]
    problems = []
    if missing:
        problems.append("Columns missing: " + ", ".join(missing) + ".")
    if unknown:
        problems.append("Columns not recognised: " + ", ".join(unknown) + ".")
    if problems:
        raise ImportFileError(" ".join(problems))
    reader.fieldnames = headers
    rows = []
    try:
        for record in reader:
            if len(rows) >= MAX_IMPORT_ROWS:
                raise ImportFileError(f"The file has more than {MAX_IMPORT_ROWS} rows. Split it up.")
            extra = record.pop(None, None)
            row = {k: (v or "").strip() for k, v in record.items() if k}
            row["_line"] = reader.line_num
            if extra:
                row["_extra"] = True
            if any(v for k, v in row.items() if not k.startswith("_")):
                rows.append(row)
    except csv.Error as error:
        raise ImportFileError(
            f"The file could not be read as CSV near line {reader.line_num}: {error}."
        ) from None
    if not rows:
        raise ImportFileError("The file has a header row but no providers.")
    return rows


def validate_rows(*, trust, rows: list[dict]) -> list[ImportRow]:
    """Check every row; each ImportRow has either values ready to save or the reasons it cannot be."""
    checked = []
    seen_names: dict[str, int] = {}
    for raw in rows:
        row = ImportRow(line=raw["_line"], raw={k: v for k, v in raw.items() if not k.startswith("_")})
        if raw.get("_extra"):
            row.errors.append("the row has more cells than the header has columns")
        values = {}
        for column in COLUMNS:
            value = row.raw.get(column, "")
            if column in BOOLEAN_COLUMNS:
                if value.lower() in TRUE_WORDS:
                    values[column] = True
                elif value.lower() in FALSE_WORDS:
                    values[column] = False
                else:
                    row.errors.append(f"{column}: write yes or no, not '{value}'")
            elif column in MONEY_COLUMNS:
                if value:
                    try:
                        amount = Decimal(value.replace("£", "").replace(",", ""))
                        if not amount.is_finite() or amount < 0:
                            raise InvalidOperation
                        values[column] = amount
                    except InvalidOperation:
                        row.errors.append(f"{column}: '{value}' is not an amount of money")
                else:
                    values[column] = None
            elif column == "capacity":
                if value:
                    if value.isdigit() and int(value) <= 32767:
                        values[column] = int(value)
                    else:
                        row.errors.append(f"capacity: '{value}' is not a whole number of places")
                else:
                    values[column] = None
            elif column == "registration_status":
                code = _choice(value, Provider.RegistrationStatus.choices) if value else None
                if code is None:
                    row.errors.append(
                        "registration_status: write independent_school, state_school or unregistered"
                        + (f", not '{value}'" if value else "")
                    )
                values[column] = code or ""
            elif column == "risk_level":
                code = _choice(value or "lower", Provider.RiskLevel.choices)
                if code is None:
                    row.errors.append(f"risk_level: write lower or higher, not '{value}'")
                values[column] = code or Provider.RiskLevel.LOWER
            elif column == "risk_categories":
                codes = [c.strip() for c in value.replace(",", ";").split(";") if c.strip()]
                unknown = [c for c in codes if c not in RISK_CODES]
                if unknown:
                    row.errors.append(f"risk_categories: not recognised: {', '.join(unknown)}")
                values[column] = codes
            else:
                values[column] = value
        if values.get("risk_level") == Provider.RiskLevel.HIGHER and not values.get("risk_categories"):
            row.errors.append("risk_categories: a higher-risk provider needs its activities listed")
        if (
            values.get("registration_status")
            and values["registration_status"] != Provider.RegistrationStatus.UNREGISTERED
            and not values.get("urn")
        ):
            row.errors.append("urn: a registered school has a URN")
        name_key = values.get("legal_name", "").lower()
        if name_key and name_key in seen_names:
            row.errors.append(
                f"legal_name: '{values['legal_name']}' is already on line {seen_names[name_key]}"
            )
        elif name_key:
            seen_names[name_key] = row.line
        # The model's own checks run on every row, whatever else is wrong with it, so that one upload
        # names every problem: empty required values, malformed e-mails, URN/UKPRN and postcode shapes.
        reported = {e.split(":", 1)[0] for e in row.errors}
        provider = Provider(trust=trust, **values)
        try:
            provider.full_clean()
        except ValidationError as error:
            for column, errors in error.error_dict.items():
                if column in reported:
                    continue
                for problem in errors:
                    row.errors.append(_model_problem(column, problem, row.raw.get(column, "")))
        else:
            values["postcode"] = provider.postcode
        row.values = values
        checked.append(row)
    return checked
