"""The one way to write a CSV file for people to open: every export goes through these writers.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some programs, a tab or
carriage return) as a formula, so a pupil named ``=HYPERLINK("http://...")`` would become a live link or
worse in the school's Excel. Text cells starting with one of those characters get a leading apostrophe,
which the spreadsheet shows as plain text (the OWASP advice for CSV injection). Numbers, dates and other
non-text values are written as they are: a negative number is data, not a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: Any) -> Any:
    """The cell as a spreadsheet will show it as text, never as a formula. A plain number written as text
    ("-12.5") is left alone: it cannot run, and a report's figures stay numbers."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` with every text cell neutralised."""

    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]):
        for row in rows:
            self.writerow(row)


class SafeDictWriter:
    """``csv.DictWriter`` with every text cell neutralised (the header is ours and written as it is)."""

    def __init__(self, stream, fieldnames, **options):
        self._writer = csv.DictWriter(stream, fieldnames=fieldnames, **options)
        self.fieldnames = self._writer.fieldnames

    def writeheader(self):
        return self._writer.writeheader()

    def writerow(self, row: Mapping[str, Any]):
        return self._writer.writerow({key: neutralise(value) for key, value in row.items()})

    def writerows(self, rows: Iterable[Mapping[str, Any]]):
        for row in rows:
            self.writerow(row)


def writer(stream, **options) -> SafeWriter:
    return SafeWriter(stream, **options)


def dict_writer(stream, fieldnames, **options) -> SafeDictWriter:
    return SafeDictWriter(stream, fieldnames, **options)
