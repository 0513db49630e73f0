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


# Rows a statement where each row has its own placeholders (SQLite, the embedded demo, caps the parameters of a
# statement). PostgreSQL binds one array a column, so there every new notification of a call goes in one
# statement: a chase run over a large trust writes as many statements as at a small one.
NOTIFICATIONS_A_STATEMENT = 500


def _insert_new(notifications: list[Notification]) -> list[tuple[int, str]]:
    """Write the notifications not written before (the unique trust, recipient and key decide), in one
    statement; returns the id and email status of each new one."""
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    connection = transaction.get_connection()
    values = [
        [f.get_db_prep_save(f.pre_save(notification, add=True), connection) for f in fields]
        for notification in notifications
    ]
    if connection.vendor == "postgresql":
        # One array a column: a handful of parameters however many rows, which the driver binds without
        # scanning a statement of thousands of placeholders.
        source = (
            "SELECT * FROM UNNEST(" + ", ".join(f"%s::{f.cast_db_type(connection)}[]" for f in fields) + ")"
        )
        params = [list(column) for column in zip(*values, strict=True)]
    else:
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        source = "VALUES " + ", ".join([row] * len(values))
        params = [value for row_values in values for value in row_values]
    sql = (
        f"INSERT INTO {Notification._meta.db_table} ({', '.join(f.column for f in fields)}) "
        f"{source} ON CONFLICT (trust_id, recipient_id, key) DO NOTHING "
        "RETURNING id, email_status"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def notify_each(*, trust, kind: str, notes: list[dict]) -> int:
    """``notify`` for many at once (``trusts.recipients.alert_each``): each note names the recipient, key,
    subject, body, url, urgent and email of one notification. The new rows are written a few hundred to a
    statement (all of them in one on PostgreSQL), skipping those already written, and their emails go to one
    delivery task after the commit. Returns how many were new."""
    notifications = [
        Notification(
            trust=trust,
            recipient=note["recipient"],
            key=note["key"][:255],
            kind=kind,
            subject=note["subject"][:200],
            body=note["body"],
            url=note.get("url", ""),
            urgent=note.get("urgent", False),
            email_status=(
                Notification.EmailStatus.PENDING
                if note.get("email", True) and note["recipient"].email
                else Notification.EmailStatus.NOT_NEEDED
            ),
        )
        for note in notes
    ]
    new = []
    step = NOTIFICATIONS_A_STATEMENT
    if transaction.get_connection().vendor == "postgresql":
        step = max(len(notifications), 1)
    for start in range(0, len(notifications), step):
        new += _insert_new(notifications[start : start + step])
    emails = [pk for pk, status in new if status == Notification.EmailStatus.PENDING]
    if emails:
        from trusts.tasks import deliver_notifications

        deliver_notifications.delay_on_commit(trust_id=trust.pk, notification_ids=emails)
    return len(new)


def _claimable(now):
    """Emails nobody is sending: not sent yet, failed, or claimed by a worker that died before it finished."""
    return Q(
        email_status__in=[Notification.EmailStatus.PENDING, Notification.EmailStatus.FAILED],
    ) | Q(email_status=Notification.EmailStatus.SENDING, email_claimed_at__lt=now - CLAIM_EXPIRES)


def _claim_next_sql(candidates_sql: str) -> str:
    """One statement: record the email just sent as sent, and claim the next one (if it is still due and
    nobody else holds it), returning what its email needs."""
    from django.contrib.auth import get_user_model

    from trusts.models import Trust

    table = Notification._meta.db_table
    return (
        f"WITH done AS (UPDATE {table} SET email_status = %s, emailed_at = %s WHERE id = %s AND email_status = %s), "
        f"next (id) AS ({candidates_sql} FOR UPDATE SKIP LOCKED), "
        f"claimed AS (UPDATE {table} AS n SET email_status = %s, email_attempts = n.email_attempts + 1, "
        "email_claimed_at = %s FROM next WHERE n.id = next.id "
        "RETURNING n.id, n.recipient_id, n.trust_id, n.subject, n.body, n.url) "
        "SELECT c.id, c.subject, c.body, c.url, u.email, t.name FROM claimed c "
        f"JOIN {get_user_model()._meta.db_table} u ON u.id = c.recipient_id "
        f"JOIN {Trust._meta.db_table} t ON t.id = c.trust_id"
    )


# A key no notification has: the claim's statement is compiled once a run with it, and each claim puts its key in
# its place (a run of thousands of emails compiled the same statement thousands of times).
_ANY_KEY = -1


class _Claims:
    """Claiming the emails of one run: record the email just sent as sent and claim notification ``pk`` if it is
    still claimable (``_claimable``), in one statement compiled once."""

    def __init__(self, claimable):
        self.claimable = claimable
        self.connection = transaction.get_connection()
        if self.connection.vendor == "postgresql":
            candidates_sql, params = claimable.filter(pk=_ANY_KEY).values("pk").query.sql_with_params()
            self.sql = _claim_next_sql(candidates_sql)
            self.params = list(params)
            self.key_at = self.params.index(_ANY_KEY)

    def next(self, *, pk: int, just_sent: int | None):
        """The id, subject, body, url, address and trust name of ``pk``'s email, now claimed, or None when
        another worker holds it (or it is no longer due)."""
        now = timezone.now()
        if self.connection.vendor != "postgresql":
            # No data-modifying CTE (SQLite, the embedded demo): the same two conditional updates, one by one.
            if just_sent is not None:
                Notification.objects.filter(
                    pk=just_sent, email_status=Notification.EmailStatus.SENDING
                ).update(email_status=Notification.EmailStatus.SENT, emailed_at=now)
            claimed = self.claimable.filter(pk=pk).update(
                email_status=Notification.EmailStatus.SENDING,
                email_attempts=F("email_attempts") + 1,
                email_claimed_at=now,
            )
            if not claimed:
                return None
            n = Notification.objects.select_related("recipient", "trust").get(pk=pk)
            return n.pk, n.subject, n.body, n.url, n.recipient.email, n.trust.name
        params = list(self.params)
        params[self.key_at] = pk
        with self.connection.cursor() as cursor:
            cursor.execute(
                self.sql,
                [
                    Notification.EmailStatus.SENT,
                    now,
                    just_sent or 0,
                    Notification.EmailStatus.SENDING,
                    *params,
                    Notification.EmailStatus.SENDING,
                    now,
                ],
            )
            return cursor.fetchone()


def notifications_deliver(*, ids=None, created_before=None, limit: int = 500) -> int:
    """Send the emails of the active trust's notifications that nobody has claimed (``ids``: only those; else
    every one due, ``created_before``), up to ``limit``, over one mail connection. Returns how many were sent.

    Each email is claimed with a conditional update before it is sent, so two workers can never both send it,
    and recorded as sent in the same statement that claims the next: one round trip an email, and a worker
    killed mid-run leaves at most the one email it was sending claimed (the claim expires and it is taken
    again). The email's Message-ID is the notification's own, so a mail system can recognise the rare repeat
    that a kill between sending and recording can cause."""
    from django.core.mail import get_connection

    now = timezone.now()
    claimable = Notification.objects.filter(_claimable(now), email_attempts__lt=MAX_EMAIL_ATTEMPTS)
    candidates = claimable
    if ids is not None:
        candidates = candidates.filter(pk__in=list(ids))
    if created_before is not None:
        candidates = candidates.filter(created_at__lt=created_before)
    # The ones due, read once; each is then claimed by its key (another worker may have taken it meanwhile).
    due = list(candidates.order_by("pk").values_list("pk", flat=True)[:limit])
    host = urlsplit(settings.SITE_URL).hostname or "apcommission.local"
    mail = get_connection()
    sent, just_sent = 0, None
    # Each is claimed by its key alone: the run's own filters (``ids``: thousands of keys after a chase) chose
    # it already, and repeating them made every claim as long as the list.
    claims = _Claims(claimable)
    try:
        for pk in due:
            row = claims.next(pk=pk, just_sent=just_sent)
            just_sent = None
            if row is None:
                continue  # claimed by another worker meanwhile
            pk, subject, body, url, email, trust_name = row
            if url:
                body = f"{body}\n\nOpen it in AP Commission: {urljoin(settings.SITE_URL + '/', url)}"
            try:
                EmailMessage(
                    subject=f"[{trust_name}] {subject}",
                    body=body,
                    to=[email],
                    headers={"Message-ID": f"<notification-{pk}@{host}>"},
                    connection=mail,
                ).send()
            except Exception:  # noqa: BLE001 - any mail failure leaves the row for the delivery job to retry
                log.exception("Email for notification %s failed", pk)
                Notification.objects.filter(pk=pk).update(email_status=Notification.EmailStatus.FAILED)
                continue
            sent += 1
            just_sent = pk
    finally:
        if just_sent is not None:  # the last one sent (or an error after a send): recorded all the same
            Notification.objects.filter(pk=just_sent, email_status=Notification.EmailStatus.SENDING).update(
                email_status=Notification.EmailStatus.SENT, emailed_at=timezone.now()
            )
        close = getattr(mail, "close", None)
        if close is not None:
            close()
    return sent


def notification_deliver(*, notification_id: int) -> bool:
    """Send one notification's email if nobody has claimed it yet (``notifications_deliver``)."""
    return notifications_deliver(ids=[notification_id], limit=1) == 1


def notifications_deliver_pending() -> int:
    """Retry the emails of the active trust that were not sent (a worker died, the mail server was down); those
    younger than two minutes may still be on their way and are left to their own task."""
    now = timezone.now()
    return notifications_deliver(created_before=now - timezone.timedelta(minutes=2), limit=500)


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
