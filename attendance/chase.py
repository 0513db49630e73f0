"""What each step of the chase chain tells, and to which alert kind it belongs; who hears it is
``trusts.recipients.ALERTS``.

Messages name the pupil by initials only: they leave the system by email. The full record is one click away,
behind sign-in.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django_scopes import get_scope

from attendance.models import ChaseEvent
from trusts.recipients import Directory, Subject, alert_each
from trusts.selectors import trust_policy


def _active_trust_id() -> int:
    trust = get_scope().get("trust")
    if trust is None:
        raise RuntimeError("The chase chain runs inside one trust's scope.")
    return getattr(trust, "pk", trust)


def alert_kind_for(event: ChaseEvent) -> str:
    """The kind in ``trusts.recipients.ALERTS`` a chase step raises: a vulnerable pupil's absence has its own."""
    if event.kind == ChaseEvent.Kind.ABSENCE and event.detail == "vulnerable":
        return "attendance.absence_vulnerable"
    if event.kind == ChaseEvent.Kind.MARK_MISSING and event.detail == "vulnerable":
        return "attendance.mark_missing_vulnerable"
    return f"attendance.{event.kind}"


class ChaseNotifier:
    """One per chase run: the trust's policy and its directory of people are read once, whatever the number of
    steps to tell."""

    def __init__(self, *, now):
        self.now = now
        self.policy = trust_policy(_active_trust_id())
        self.directory = Directory()
        self._urls = {}

    def url(self, name: str) -> str:
        """The page a step links to, reversed once a run rather than once a step."""
        if name not in self._urls:
            self._urls[name] = reverse(name)
        return self._urls[name]

    def message(self, event: ChaseEvent) -> tuple[str, str, str]:
        session = event.expected_session
        who = f"{session.pupil.initials} ({session.school.name})"
        when = f"{session.date:%a %d %b} {session.get_session_display().lower()}"
        where = str(session.provider)
        if event.kind == ChaseEvent.Kind.MARK_MISSING:
            return (
                f"Register not marked: {who} at {where}, {when}",
                f"{where} has not marked the register for {who}, {when}, "
                f"{self.policy.register_mark_deadline_minutes} minutes after the session started. "
                "Mark it now, or call the school if the pupil has not arrived."
                + (" This pupil is flagged as vulnerable." if event.detail == "vulnerable" else ""),
                self.url("attendance:register"),
            )
        if event.kind == ChaseEvent.Kind.UNACCOUNTED:
            return (
                f"Vulnerable pupil not accounted for: {who} at {where}, {when}",
                f"{where} has still not marked the register for {who}, {when}, "
                f"{2 * self.policy.register_mark_deadline_minutes} minutes after the session started. This pupil "
                "is flagged as vulnerable: find out where the child is now.",
                self.url("attendance:school_register"),
            )
        if event.kind == ChaseEvent.Kind.ABSENCE:
            vulnerable = " This pupil is flagged as vulnerable." if event.detail == "vulnerable" else ""
            return (
                f"Absent: {who} at {where}, {when}",
                f"{where} marked {who} absent, {when}.{vulnerable} Contact the parent and record the follow-up.",
                self.url("attendance:follow_ups"),
            )
        if event.kind == ChaseEvent.Kind.FOLLOW_UP_OVERDUE:
            return (
                f"Absence not followed up: {who}, {when}",
                f"No follow-up has been recorded for {who}'s absence from {where}, {when}, within "
                f"{self.policy.absence_followup_window_minutes} minutes.",
                self.url("attendance:follow_ups"),
            )
        return (
            f"Possible child missing education: {who}",
            f"{who} has been absent from {where} for {event.detail}, starting {when}. "
            "Treat this as a possible child missing education.",
            self.url("attendance:follow_ups"),
        )

    def send_pending(self) -> int:
        """Tell everyone about each step not yet told, the steps of one kind together (``alert_each``: a fixed
        number of queries however many); the keys make a repeated or concurrent run send nothing twice. The
        steps are marked told afterwards, in one statement."""
        events = list(
            ChaseEvent.objects.filter(notified_at__isnull=True)
            .select_related(
                "expected_session__pupil", "expected_session__school", "expected_session__provider", "trust"
            )
            .order_by("pk")
        )
        by_kind = {}
        for event in events:
            session = event.expected_session
            subject, body, url = self.message(event)
            by_kind.setdefault(alert_kind_for(event), []).append(
                Subject(
                    key=f"chase:{event.kind}:{event.expected_session_id}",
                    subject=subject,
                    body=body,
                    url=url,
                    school=session.school,
                    provider=session.provider,
                )
            )
        sent = sum(
            alert_each(kind=kind, trust=events[0].trust, subjects=subjects, directory=self.directory)
            for kind, subjects in by_kind.items()
        )
        if events:
            ChaseEvent.objects.filter(pk__in=[e.pk for e in events], notified_at__isnull=True).update(
                notified_at=timezone.now()
            )
        return sent
