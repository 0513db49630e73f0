"""One status per provider, the same on every report page: the approval the register records, qualified by its
critical evidence. An approved provider whose critical evidence has run out is not shown as simply
"Approved" (the daily expiry check lapses it; until then the report says what is wrong)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from providers import selectors as provider_selectors
from providers.models import Provider

APPROVED = set(Provider.APPROVED_STATUSES)


@dataclass
class Standing:
    status: str
    label: str
    tone: str  # success, warning, danger, secondary: the badge colour
    expired: list = field(default_factory=list)  # labels of critical evidence that has run out
    expiring: list = field(default_factory=list)  # labels of critical evidence running out soon

    @property
    def evidence_text(self) -> str:
        parts = []
        if self.expired:
            parts.append("expired: " + ", ".join(self.expired))
        if self.expiring:
            parts.append("expiring soon: " + ", ".join(self.expiring))
        return "; ".join(parts) or "all in date"


def standing_of(
    *, status: str, approved_until: date | None, today: date, expired=(), expiring=()
) -> Standing:
    label = Provider.Status(status).label
    if status in APPROVED:
        if expired:
            return Standing(
                status, f"{label}, but critical evidence has expired", "danger", list(expired), list(expiring)
            )
        if approved_until is not None and approved_until < today:
            return Standing(status, f"{label}, but the approval ran out", "danger", [], list(expiring))
        if expiring:
            return Standing(status, f"{label}, evidence expiring soon", "warning", [], list(expiring))
        return Standing(status, label, "success")
    tone = (
        "danger"
        if status in (Provider.Status.LAPSED, Provider.Status.SUSPENDED, Provider.Status.REJECTED)
        else "secondary"
    )
    return Standing(status, label, tone, list(expired), list(expiring))


def standings(membership, providers, *, today: date, warning_days: int) -> dict[int, Standing]:
    """The standing of each provider (objects or ``values()`` rows with pk, status and approved_until), with one
    query for their critical evidence."""
    rows = [
        p if isinstance(p, dict) else {"pk": p.pk, "status": p.status, "approved_until": p.approved_until}
        for p in providers
    ]
    ids = [r["pk"] for r in rows]
    expired, expiring = {}, {}
    for item in provider_selectors.evidence_running_out(
        membership, on=today, warning_days=warning_days, critical_only=True
    ).filter(provider_id__in=ids):
        bucket = expired if item.expiry_date < today else expiring
        bucket.setdefault(item.provider_id, []).append(item.type_label)
    return {
        r["pk"]: standing_of(
            status=r["status"],
            approved_until=r["approved_until"],
            today=today,
            expired=expired.get(r["pk"], ()),
            expiring=expiring.get(r["pk"], ()),
        )
        for r in rows
    }
