"""A realistic autumn term of registers for the demo's running placements: mostly present, some late, some
absent with the school's follow-up (closed when older than a week, open when recent), and one pupil whose run
of absences has reached the head and the DSL as a possible child missing education.

Deterministic (every choice comes from a hash of the pupil's UPN and the session) and idempotent.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.test import override_settings

from attendance import services
from attendance.models import AbsenceFollowUp, ExpectedSession, RegisterMark
from trusts.models import Membership
from trusts.roles import Role

LONDON = ZoneInfo("Europe/London")
# The demo's "now": Friday afternoon before the demo's Monday.
DEMO_NOW = datetime(2026, 11, 20, 15, 30, tzinfo=LONDON)
REASONS = (
    "Unwell, mum phoned",
    "No reason given",
    "Missed the bus",
    "Medical appointment",
    "Family emergency",
)


def _roll(*parts) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8], 16) % 100


def _marker(placement):
    staff = (
        Membership.objects.filter(role=Role.PROVIDER_STAFF, provider=placement.provider, is_active=True)
        .select_related("user")
        .first()
    )
    if staff:
        return staff.user
    return (
        Membership.objects.filter(school=placement.school, role=Role.AP_LEAD)
        .select_related("user")
        .first()
        .user
    )


def seed(people, context) -> None:
    from django_scopes import scope

    from placements.models import Placement

    escalated = False
    for trust in context["trusts"].values():
        with scope(trust=trust.pk):
            running = (
                Placement.objects.filter(trust=trust, status__in=["active", "agreed"])
                .select_related("school", "pupil", "provider")
                .order_by("school__urn", "pupil__upn")
            )
            for placement in running:
                services.placement_register_arrangement(placement=placement)
                services.expected_sessions_generate(
                    placement=placement, start=placement.start_date, end=DEMO_NOW.date() + timedelta(days=29)
                )
                if placement.status != "active":
                    continue
                # The first running placement of the first trust is the pupil whose absences escalated.
                absent_streak = not escalated
                escalated = True
                _mark_term(placement, absent_streak=absent_streak)
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                services.chase_run(now=DEMO_NOW)
            _date_alerts()


def _date_alerts() -> None:
    """One chase run at the demo's "now" catches up on the whole term; give each step, and the alerts it sent,
    the time it would have happened as the term went on, so the inbox shows the times its messages claim."""
    from django.utils import timezone

    from attendance.models import ChaseEvent
    from trusts.models import Notification
    from trusts.selectors import trust_policy

    events = ChaseEvent.objects.select_related(
        "expected_session__mark", "expected_session__follow_up", "trust"
    ).order_by("pk")
    for event in events:
        session = event.expected_session
        policy = trust_policy(event.trust_id)
        mark = getattr(session, "mark", None)
        if event.kind == ChaseEvent.Kind.MARK_MISSING:
            at = session.starts_at + timedelta(minutes=policy.register_mark_deadline_minutes)
        elif event.kind == ChaseEvent.Kind.FOLLOW_UP_OVERDUE:
            opened = getattr(getattr(session, "follow_up", None), "opened_at", None) or session.starts_at
            at = opened + timedelta(minutes=policy.absence_followup_window_minutes)
        else:
            at = mark.marked_at if mark is not None else session.starts_at
        at = min(at, DEMO_NOW)
        if at > timezone.now():
            continue
        ChaseEvent.objects.filter(pk=event.pk).update(occurred_at=at, notified_at=at)
        Notification.objects.filter(key=f"chase:{event.kind}:{session.pk}").update(created_at=at)


def _mark_term(placement, *, absent_streak: bool) -> None:
    user = _marker(placement)
    sessions = list(
        ExpectedSession.objects.filter(placement=placement, starts_at__lte=DEMO_NOW).order_by("starts_at")
    )
    streak_from = len(sessions) - 7 if absent_streak else len(sessions)
    for i, session in enumerate(sessions):
        if RegisterMark.objects.filter(expected_session=session).exists():
            continue
        roll = _roll(placement.pupil.upn, session.date, session.session)
        if i >= streak_from or roll < 8:
            status, late, reason = "absent", None, REASONS[roll % len(REASONS)]
        elif roll < 14:
            status, late, reason = "late", 5 + roll % 20, ""
        else:
            status, late, reason = "present", None, ""
        marked_at = session.starts_at + timedelta(minutes=5 + roll % 20)
        services.mark_record(
            session=session,
            status=status,
            late_minutes=late,
            absence_reason=reason,
            by_user=user,
            now=marked_at,
        )
        if status == "absent":
            follow_up, _ = AbsenceFollowUp.objects.get_or_create(
                expected_session=session,
                defaults={"trust_id": session.trust_id, "opened_at": marked_at, "vulnerable": False},
            )
            # Older absences were followed up; the last week's (and the escalating run) are still open.
            if session.starts_at < DEMO_NOW - timedelta(days=7) and i < streak_from:
                code = "M" if "Medical" in reason else ("I" if "Unwell" in reason else "O")
                services.follow_up_record(
                    follow_up=follow_up,
                    contacted_by="Attendance officer",
                    contacted_at=marked_at + timedelta(minutes=20),
                    outcome="reason_given" if code != "O" else "no_contact",
                    reason=reason,
                    code=code,
                    by_user=user,
                    now=marked_at + timedelta(minutes=25),
                )
