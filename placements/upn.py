"""Unique pupil numbers (UPN) and the DfE check letter.

A UPN has 13 characters: a check letter, then the LA number (3 digits), the establishment number (4), the
year of allocation (2) and a serial (3). A temporary UPN ends in a letter instead of the last digit.

The check letter: multiply the characters in positions 2 to 13 by their position (2 to 13), a final letter
counting as its value in the letter table below; add up; the remainder on dividing by 23 picks the letter.
The table leaves out I, O and S, which are easy to confuse with 1, 0 and 5.
"""

from __future__ import annotations

import re

CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_SHAPE = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")


def normalise(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def check_letter(body: str) -> str:
    """The check letter for the 12 characters after it."""
    if len(body) != 12 or not body[:11].isdigit():
        raise ValueError("A UPN has 12 characters after its check letter, the first 11 of them digits.")
    total = 0
    for position, char in enumerate(body, start=2):
        if char.isdigit():
            total += int(char) * position
        elif char in CHECK_LETTERS:
            total += CHECK_LETTERS.index(char) * position
        else:
            raise ValueError(f"{char} cannot end a UPN.")
    return CHECK_LETTERS[total % 23]


def upn_problem(value: str) -> str | None:
    """None for a valid UPN; otherwise what is wrong with it, in words for the person who typed it."""
    upn = normalise(value)
    if len(upn) != 13:
        return f"A UPN has 13 characters; this has {len(upn)}."
    if not _SHAPE.match(upn):
        return "A UPN is a letter, 11 digits, then a digit or a letter."
    if upn[0] not in CHECK_LETTERS or (upn[-1].isalpha() and upn[-1] not in CHECK_LETTERS):
        return "A UPN never uses the letters I, O or S."
    expected = check_letter(upn[1:])
    if upn[0] != expected:
        return "The check letter does not match the digits: check the UPN for a typing mistake."
    return None


def is_valid_upn(value: str) -> bool:
    return upn_problem(value) is None


def make_upn(body: str) -> str:
    """A full UPN from the 12 characters after the check letter (demo data and tests)."""
    return check_letter(body) + body
