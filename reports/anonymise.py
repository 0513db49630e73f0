"""Small-number suppression for the governors' reports.

A count of pupils below the trust's threshold (default 5) is shown as "fewer than 5", and so is any proportion
built on it, so that nobody can be picked out of a small group. Where exactly one cell of a breakdown is
withheld, the next smallest is withheld as well, so the hidden one cannot be worked out from the total.
Zero is shown as zero: it tells nothing about anyone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    value: float | int | None  # None when withheld or not available
    text: str

    @property
    def hidden(self) -> bool:
        return self.value is None

    def __str__(self):
        return self.text


class Anonymiser:
    def __init__(self, threshold: int):
        self.threshold = max(int(threshold), 2)

    @property
    def fewer(self) -> str:
        return f"fewer than {self.threshold}"

    def is_small(self, n: int) -> bool:
        return 0 < n < self.threshold

    def count(self, n: int) -> Cell:
        return Cell(None, self.fewer) if self.is_small(n) else Cell(n, f"{n:,}")

    def share(self, n: int, total: int) -> Cell:
        """``n`` of ``total`` as "n (p%)"; withheld when n is small, or when the rest of the group is."""
        if total == 0:
            return Cell(None, "none")
        if self.is_small(n):
            return Cell(None, self.fewer)
        if self.is_small(total - n):
            return Cell(None, f"all but {self.fewer}")
        return Cell(round(100 * n / total, 1), f"{n:,} ({100 * n / total:.0f}%)")

    def rate(self, value: float | None, *, base: int, suffix: str = "%") -> Cell:
        """A rate (attendance, on-time reviews) about ``base`` pupils: withheld when the group is small."""
        if value is None:
            return Cell(None, "no data")
        if self.is_small(base):
            return Cell(None, f"withheld ({self.fewer} pupils)")
        return Cell(value, f"{value:.1f}{suffix}")

    def breakdown(self, counts: list[int]) -> list[Cell]:
        """Cells for the counts of one breakdown, with the complementary suppression described above."""
        cells = [self.count(n) for n in counts]
        hidden = [i for i, c in enumerate(cells) if c.hidden]
        if len(hidden) == 1:
            candidates = sorted((n, i) for i, n in enumerate(counts) if not cells[i].hidden and n > 0)
            if candidates:
                _, i = candidates[0]
                cells[i] = Cell(None, f"{self.threshold} or more (withheld)")
        return cells
