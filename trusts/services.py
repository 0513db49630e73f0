"""Writes of the trusts app: notifications, the access log, choosing a trust."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Subquery
from django.utils import timezone

from trusts.errors import DomainError
from trusts.models import AccessLog, Membership, Notification
from trusts.permissions import require
from trusts.selectors import memberships_of

log = logging.getLogger(__name__)

ACTIVE_MEMBERSHIP_SESSION_KEY = "active_membership_id"
MAX_EMAIL_ATTEMPTS = 5
# Longer than any send takes: a claim this old belongs to a worker that died.
CLAIM_EXPIRES = timedelta(minutes=10)
# Views of one record by one person within this long of each other are one row of the access log.
ACCESS_LOG_COLLAPSE = timezone.timedelta(minutes=15)


def notify(
    *,
    trust,
    recipient,
    key: str,
    kind: str,
    subject: str,
    body: str,
    url: str = "",
    urgent: bool = False,
    email: bool = True,
) -> tuple[Notification, bool]:
    """Tell one person something, once.

    ``key`` names what the notification is about (for example ``absence:4711``); with the trust and the
    recipient it is unique, and the row is written before any email goes out. A second call with the same
    key, from a retried task or a second worker, finds the row and sends nothing. Returns (notification,
    created).
    """
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                trust=trust,
                recipient=recipient,
                key=key[:255],
                kind=kind,
                subject=subject[:200],
                body=body,
                url=url,
                urgent=urgent,
                email_status=(
                    Notification.EmailStatus.PENDING
                    if email and recipient.email
                    else Notification.EmailStatus.NOT_NEEDED
                ),
            )
    except IntegrityError:
        return Notification.objects.get(trust=trust, recipient=recipient, key=key[:255]), False
    if notification.email_status == Notification.EmailStatus.PENDING:
        from trusts.tasks import deliver_notification

        deliver_notification.delay_on_commit(trust_id=trust.pk, notification_id=notification.pk)
    return notification, True


def _claimable(now):
    """Emails nobody is sending: not sent yet, failed, or claimed by a worker that died before it finished."""
    return Q(
        email_status__in=[Notification.EmailStatus.PENDING, Notification.EmailStatus.FAILED],
    ) | Q(email_status=Notification.EmailStatus.SENDING, email_claimed_at__lt=now - CLAIM_EXPIRES)


def notification_deliver(*, notification_id: int) -> bool:
    """Send a notification's email if nobody has claimed it yet. The claim is one conditional UPDATE, so
    two workers can never both send it; a claim left by a worker killed mid-send expires and is taken again.
    The email's Message-ID is the notification's own, so a mail system can recognise the rare repeat that a
    kill between sending and recording can cause."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        _claimable(now), pk=notification_id, email_attempts__lt=MAX_EMAIL_ATTEMPTS
    ).update(
        email_status=Notification.EmailStatus.SENDING,
        email_attempts=F("email_attempts") + 1,
        email_claimed_at=now,
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient", "trust").get(pk=notification_id)
    body = notification.body
    if notification.url:
        body = f"{body}\n\nOpen it in AP Commission: {urljoin(settings.SITE_URL + '/', notification.url)}"
    host = urlsplit(settings.SITE_URL).hostname or "apcommission.local"
    try:
        EmailMessage(
            subject=f"[{notification.trust.name}] {notification.subject}",
            body=body,
            to=[notification.recipient.email],
            headers={"Message-ID": f"<notification-{notification.pk}@{host}>"},
        ).send()
    except Exception:  # noqa: BLE001 - any mail failure leaves the row for the delivery job to retry
        log.exception("Email for notification %s failed", notification_id)
        Notification.objects.filter(pk=notification_id).update(email_status=Notification.EmailStatus.FAILED)
        return False
    Notification.objects.filter(pk=notification_id).update(
        email_status=Notification.EmailStatus.SENT, emailed_at=timezone.now()
    )
    return True


def notifications_deliver_pending() -> int:
    """Retry the emails of the active trust that were not sent (a worker died, the mail server was down)."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(
            _claimable(now),
            email_attempts__lt=MAX_EMAIL_ATTEMPTS,
            created_at__lt=now - timezone.timedelta(minutes=2),
        ).values_list("pk", flat=True)[:500]
    )
    return sum(1 for pk in ids if notification_deliver(notification_id=pk))


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


def client_ip(request) -> str | None:
    # The proxy in front (if any) is trusted for one hop, matching django-axes' PROXY_COUNT.
    if settings.AXES_IPWARE_PROXY_COUNT:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        parts = [p.strip() for p in forwarded.split(",") if p.strip()]
        if len(parts) >= settings.AXES_IPWARE_PROXY_COUNT:
            return parts[-settings.AXES_IPWARE_PROXY_COUNT]
    return request.META.get("REMOTE_ADDR")


def access_log_record(
    *, request, subject, subject_type: str, school=None, action: str = "viewed"
) -> AccessLog | None:
    """Record that the signed-in person opened a pupil's record (or another sensitive record).

    The same person opening the same record for the same purpose again within ``ACCESS_LOG_COLLAPSE``
    of the last time adds to that row's count rather than writing another: the log says who looked at what and
    how often, without twenty rows for one visit. Returns the new row, or None when the view was counted in
    a recent one."""
    membership = request.membership
    now = timezone.now()
    recent = (
        AccessLog.objects.filter(
            user=request.user,
            role=membership.role,
            subject_type=subject_type,
            subject_id=subject.pk,
            action=action,
            last_at__gte=now - ACCESS_LOG_COLLAPSE,
        )
        .order_by("-last_at")
        .values("pk")[:1]
    )
    # One UPDATE for a repeated view (the usual case on a busy page), an INSERT after it for a new one.
    if AccessLog.objects.filter(pk__in=Subquery(recent)).update(views=F("views") + 1, last_at=now):
        return None
    return AccessLog.objects.create(
        trust=membership.trust,
        school=school,
        user=request.user,
        username=request.user.get_username(),
        role=membership.role,
        subject_type=subject_type,
        subject_id=subject.pk,
        subject_label=str(subject)[:200],
        action=action,
        path=request.get_full_path()[:500],
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        last_at=now,
    )


def membership_activate(*, request, membership_id: int) -> Membership:
    """Make one of the signed-in person's memberships the active one. Anything else is refused the same way
    as a trust that does not exist."""
    membership = next((m for m in memberships_of(request.user) if m.pk == membership_id), None)
    if membership is None:
        raise DomainError("You are not a member of that trust.")
    request.session[ACTIVE_MEMBERSHIP_SESSION_KEY] = membership.pk
    return membership


def trust_create(*, name: str, slug: str, kind: str = "mat"):
    """A new tenant, with its policy at the defaults."""
    from trusts.models import Trust, TrustPolicy

    with transaction.atomic():
        trust = Trust.objects.create(name=name, slug=slug, kind=kind)
        TrustPolicy.objects.create(trust=trust)
    return trust


def trust_policy_update(*, policy, by, data: dict):
    """Save a trust's thresholds. The change is kept in the policy's history (who and when)."""
    require(by, "trust_policy.edit", "Only a trust admin can change the trust policy.")
    if by.trust_id != policy.trust_id:
        raise DomainError("That is another trust's policy.")
    for field, value in data.items():
        setattr(policy, field, value)
    policy.full_clean()
    policy.save()
    return policy
