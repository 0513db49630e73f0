"""Attendance from the registers, for the placements pages and records that state it (provider reports,
reviews). The registers live in the attendance app, which builds on placements and so cannot be imported
here: it registers its counting function from its AppConfig.ready(), as it does its panels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Attendance:
    possible: int
    attended: int

    @property
    def percent(self) -> Decimal | None:
        if not self.possible:
            return None
        return (Decimal(100) * self.attended / self.possible).quantize(Decimal("0.1"))


# (placement, first day, last day) -> (sessions possible, sessions attended)
_source: list[Callable[..., tuple[int, int]]] = []


def register_attendance_source(fn: Callable[..., tuple[int, int]]) -> None:
    _source[:] = [fn]


def placement_attendance(placement, *, start: date, end: date) -> Attendance | None:
    """Sessions possible and attended at the placement's provider from ``start`` to ``end`` (both included),
    from the registers; None where no register source is installed."""
    if not _source:
        return None
    possible, attended = _source[0](placement, start, end)
    return Attendance(possible, attended)
