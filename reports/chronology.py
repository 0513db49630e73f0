"""A pupil's chronology for the DSL: safeguarding concerns and what was done about them, behaviour incidents,
absences and their follow-ups, placement changes and reviews, in date order. It reads every app, so it lives
here at the top; printed as a PDF or exported as CSV for a hand-off to CPOMS, MyConcern or children's social
care."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from attendance.models import RegisterMark
from placements.models import BehaviourIncident, Placement, Review
from placements.safeguarding.models import ConcernAction, SafeguardingConcern
from trusts.csv_export import SafeWriter

KINDS = {
    "concern": "Safeguarding concern",
    "incident": "Behaviour incident",
    "absence": "Absence and follow-up",
    "placement": "Placement change",
    "review": "Review",
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    title: str
    detail: str
    by: str = ""
    where: str = ""

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0, 0)))


def _placement_entries(placements) -> list[Entry]:
    entries = []
    for p in placements:
        where = str(p.provider)
        if p.proposed_at:
            entries.append(
                Entry(p.proposed_at, "placement", "Placement proposed", p.get_reason_display(), "", where)
            )
        if p.approved_at:
            by = p.approved_by.get_full_name() if p.approved_by else ""
            entries.append(
                Entry(p.approved_at, "placement", "Placement agreed by the headteacher", "", by, where)
            )
        if p.activated_at:
            entries.append(Entry(p.activated_at, "placement", "Placement started", "", "", where))
        if p.ended_on:
            entries.append(
                Entry(
                    _at(p.ended_on),
                    "placement",
                    f"Placement ended ({p.get_ended_outcome_display().lower()})",
                    p.ended_reason,
                    "",
                    where,
                )
            )
    return entries


def pupil_chronology(
    pupil, *, kinds: set[str] | None = None, start: date | None = None, end: date | None = None
) -> list[Entry]:
    """Every entry for ``pupil`` (one of the DSL's own: fetch it with ``get_visible_or_404``), oldest first,
    narrowed to ``kinds`` and to the dates from ``start`` to ``end`` inclusive. A fixed number of queries."""
    kinds = set(kinds or KINDS)
    entries: list[Entry] = []
    if "concern" in kinds:
        concerns = list(
            SafeguardingConcern.objects.filter(pupil=pupil).select_related(
                "placement__provider", "acknowledged_by", "closed_by"
            )
        )
        for c in concerns:
            where = str(c.placement.provider) if c.placement_id else ""
            entries.append(
                Entry(
                    c.occurred_at,
                    "concern",
                    f"Safeguarding concern: {c.get_category_display()}",
                    " ".join(
                        part
                        for part in (
                            c.account,
                            f"Present: {c.people_present}." if c.people_present else "",
                            f"Action at once: {c.immediate_action}" if c.immediate_action else "",
                        )
                        if part
                    ),
                    f"{c.raised_by_name} ({c.raised_by_role})",
                    where,
                )
            )
            if c.acknowledged_at:
                by = (
                    c.acknowledged_by.get_full_name() or c.acknowledged_by.username
                    if c.acknowledged_by
                    else ""
                )
                entries.append(
                    Entry(c.acknowledged_at, "concern", "Concern acknowledged by the DSL", "", by, where)
                )
            if c.escalated_at:
                entries.append(
                    Entry(
                        c.escalated_at,
                        "concern",
                        "Concern escalated: not acknowledged in time",
                        "",
                        "",
                        where,
                    )
                )
            if c.closed_at:
                by = c.closed_by.get_full_name() or c.closed_by.username if c.closed_by else ""
                entries.append(
                    Entry(
                        c.closed_at,
                        "concern",
                        f"Concern closed: {c.get_outcome_display()}",
                        c.outcome_detail,
                        by,
                        where,
                    )
                )
        for a in ConcernAction.objects.filter(concern__pupil=pupil).select_related("concern"):
            entries.append(
                Entry(a.taken_at, "concern", "Action on a concern", a.description, a.taken_by_name)
            )
    if "incident" in kinds:
        for i in BehaviourIncident.objects.filter(placement__pupil=pupil).select_related(
            "placement__provider"
        ):
            detail = i.description + (f" Action taken: {i.action_taken}" if i.action_taken else "")
            entries.append(
                Entry(
                    i.occurred_at,
                    "incident",
                    f"Behaviour incident: {i.get_category_display()}",
                    detail,
                    "",
                    str(i.placement.provider),
                )
            )
    if "absence" in kinds:
        marks = RegisterMark.objects.filter(
            expected_session__pupil=pupil, status=RegisterMark.Status.ABSENT
        ).select_related("expected_session__provider", "expected_session__follow_up")
        for m in marks:
            session = m.expected_session
            follow_up = getattr(session, "follow_up", None)
            detail = f"Reason given by the provider: {m.absence_reason}." if m.absence_reason else ""
            entries.append(
                Entry(
                    session.starts_at,
                    "absence",
                    f"Absent ({session.get_session_display().lower()})",
                    detail,
                    "",
                    str(session.provider),
                )
            )
            if follow_up is not None and follow_up.closed_at:
                entries.append(
                    Entry(
                        follow_up.contacted_at or follow_up.closed_at,
                        "absence",
                        f"Absence followed up: {follow_up.get_outcome_display()}",
                        " ".join(
                            x
                            for x in (follow_up.reason, f"Code {follow_up.code}." if follow_up.code else "")
                            if x
                        ),
                        follow_up.contacted_by,
                        str(session.provider),
                    )
                )
    if "placement" in kinds:
        entries += _placement_entries(
            Placement.objects.filter(pupil=pupil)
            .exclude(status=Placement.Status.DRAFT)
            .select_related("provider", "approved_by")
        )
    if "review" in kinds:
        for r in Review.objects.filter(placement__pupil=pupil, held_on__isnull=False).select_related(
            "placement__provider"
        ):
            entries.append(
                Entry(
                    _at(r.held_on),
                    "review",
                    f"{r.get_kind_display()} review held",
                    f"Safeguarding: {r.safeguarding}" if r.safeguarding else "",
                    "",
                    str(r.placement.provider),
                )
            )
    if start:
        entries = [e for e in entries if timezone.localtime(e.at).date() >= start]
    if end:
        entries = [e for e in entries if timezone.localtime(e.at).date() <= end]
    return sorted(entries, key=lambda e: e.at)


def chronology_csv(pupil, entries: list[Entry]) -> str:
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(["pupil", "upn", "date", "time", "kind", "what", "detail", "by", "where"])
    for e in entries:
        local = timezone.localtime(e.at)
        writer.writerow(
            [
                pupil.legal_name,
                pupil.upn,
                f"{local:%Y-%m-%d}",
                f"{local:%H:%M}",
                e.kind_label,
                e.title,
                e.detail,
                e.by,
                e.where,
            ]
        )
    return out.getvalue()


def chronology_pdf(pupil, entries: list[Entry], *, printed_by: str, filters: str) -> bytes:
    from pathlib import Path

    from django.conf import settings
    from django.template.loader import render_to_string
    from weasyprint import CSS, HTML

    html = render_to_string(
        "reports/pdf/chronology.html",
        {
            "pupil": pupil,
            "entries": entries,
            "printed_by": printed_by,
            "printed_at": timezone.now(),
            "filters": filters,
        },
    )
    css = Path(settings.BASE_DIR) / "static" / "css" / "print.css"
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(stylesheets=[CSS(filename=str(css))])
