"""The one way a CSV import runs: parse -> preview -> commit, all or nothing, every bad row named.

An app supplies the parsing (its rows and the problems, each naming its line) and the creating; this module
keeps the checked file between the preview and the confirmation, and refuses or commits the whole file:

- the upload page parses the file and shows every row and every problem; when there is none, it keeps the
  file with ``PendingImport(request, key).keep(data)`` and shows a confirm button carrying the returned token;
- the confirmation takes the file back with ``.take(token)`` (the same person, the same trust, the same file
  they checked) and commits it with ``commit_all_or_nothing``, which checks it again first: the records may
  have changed since the preview.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence

from django.db import IntegrityError, transaction

from trusts.errors import DomainError


def decode_upload(data: bytes, *, fallback: str | None = None) -> str:
    """The text of an uploaded file: UTF-8 (with or without a byte-order mark), or ``fallback`` (for example
    "cp1252", which older MIS exports use) when it is not UTF-8. Without a fallback, non-UTF-8 raises
    UnicodeDecodeError."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if fallback is None:
            raise
        return data.decode(fallback, errors="replace")


class PendingImport:
    """A checked file waiting for confirmation, kept in the session under ``key`` for the active trust."""

    def __init__(self, request, key: str):
        self.session = request.session
        self.key = key
        self.trust_id = request.trust.pk

    def keep(self, data) -> str:
        """Keep ``data`` (anything the session can store) and return the token the confirm form posts back."""
        token = secrets.token_urlsafe(16)
        self.session[self.key] = {"token": token, "trust_id": self.trust_id, "data": data}
        return token

    def take(self, token: str | None = None):
        """The data kept for this trust (and this token, when one is given), or None."""
        stored = self.session.get(self.key)
        if not stored or stored.get("trust_id") != self.trust_id:
            return None
        if token is not None and not secrets.compare_digest(str(stored.get("token")), str(token)):
            return None
        return stored["data"]

    def drop(self) -> None:
        self.session.pop(self.key, None)


def refuse(problems: Sequence[str], message: str | None = None) -> None:
    """Refuse the whole file, naming every problem, if there is any."""
    if problems:
        count = len(problems)
        raise DomainError(
            message or f"Nothing was imported: {count} problem{'s' if count != 1 else ''} to fix.",
            problems=list(problems),
        )


def commit_all_or_nothing(
    *, check: Callable[[], tuple[list, list[str]]], create: Callable[[object], object], message=None
) -> list:
    """Check the file again, then create every row in one transaction, or none.

    ``check`` returns (rows, problems); ``create`` saves one row and returns the new record. A row that
    clashes with one saved at the same moment by someone else rolls the whole file back."""
    try:
        with transaction.atomic():
            rows, problems = check()
            refuse(problems, message)
            return [create(row) for row in rows]
    except IntegrityError:
        raise DomainError(
            "Another change added some of these records at the same time: nothing was imported, try again."
        ) from None
