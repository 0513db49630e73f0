"""Who hears about each step of the chase chain, and what they are told.

Messages name the pupil by initials only: they leave the system by email. The full record is one click away,
behind sign-in.
"""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse
from django.utils import timezone

from attendance.models import ChaseEvent
from trusts.models import Membership, TrustPolicy
from trusts.roles import Role
from trusts.services import notify


class ChaseNotifier:
    def __init__(self, *, now):
        self.now = now
        self.policy = TrustPolicy.objects.get()
        self._by_school = defaultdict(lambda: defaultdict(list))
        self._by_provider = defaultdict(list)
        self._trust_dsls = []
        for m in Membership.objects.active().select_related("user"):
            if m.role == Role.PROVIDER_STAFF:
                self._by_provider[m.provider_id].append(m.user)
            elif m.role == Role.DSL and m.school_id is None:
                self._trust_dsls.append(m.user)
            elif m.school_id:
                self._by_school[m.school_id][m.role].append(m.user)

    def _school(self, school_id, role):
        return self._by_school[school_id][role]

    def _dsls(self, school_id):
        return self._school(school_id, Role.DSL) + self._trust_dsls

    def recipients(self, event: ChaseEvent):
        session = event.expected_session
        attendance = self._school(session.school_id, Role.ATTENDANCE_OFFICER)
        if event.kind == ChaseEvent.Kind.MARK_MISSING:
            return self._by_provider[session.provider_id] + attendance, False
        if event.kind == ChaseEvent.Kind.ABSENCE:
            if event.detail == "vulnerable":
                return attendance + self._dsls(session.school_id), True
            return attendance, False
        if event.kind == ChaseEvent.Kind.FOLLOW_UP_OVERDUE:
            return self._dsls(session.school_id), True
        if event.kind == ChaseEvent.Kind.CONSECUTIVE:
            return self._school(session.school_id, Role.HEADTEACHER) + self._dsls(session.school_id), True
        return [], False

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
                "Mark it now, or call the school if the pupil has not arrived.",
                reverse("attendance:register"),
            )
        if event.kind == ChaseEvent.Kind.ABSENCE:
            vulnerable = " This pupil is flagged as vulnerable." if event.detail == "vulnerable" else ""
            return (
                f"Absent: {who} at {where}, {when}",
                f"{where} marked {who} absent, {when}.{vulnerable} Contact the parent and record the follow-up.",
                reverse("attendance:follow_ups"),
            )
        if event.kind == ChaseEvent.Kind.FOLLOW_UP_OVERDUE:
            return (
                f"Absence not followed up: {who}, {when}",
                f"No follow-up has been recorded for {who}'s absence from {where}, {when}, within "
                f"{self.policy.absence_followup_window_minutes} minutes.",
                reverse("attendance:follow_ups"),
            )
        return (
            f"Possible child missing education: {who}",
            f"{who} has been absent from {where} for {event.detail}, starting {when}. "
            "Treat this as a possible child missing education.",
            reverse("attendance:follow_ups"),
        )

    def send_pending(self) -> int:
        events = ChaseEvent.objects.filter(notified_at__isnull=True).select_related(
            "expected_session__pupil", "expected_session__school", "expected_session__provider", "trust"
        )
        sent = 0
        for event in events:
            recipients, urgent = self.recipients(event)
            subject, body, url = self.message(event)
            for user in {u.pk: u for u in recipients}.values():
                _, created = notify(
                    trust=event.trust,
                    recipient=user,
                    key=f"chase:{event.kind}:{event.expected_session_id}",
                    kind=f"attendance.{event.kind}",
                    subject=subject,
                    body=body,
                    url=url,
                    urgent=urgent,
                )
                sent += created
            ChaseEvent.objects.filter(pk=event.pk, notified_at__isnull=True).update(
                notified_at=timezone.now()
            )
        return sent
