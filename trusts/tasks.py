from celery import shared_task

from trusts import services
from trusts.tasking import TrustTask, for_each_trust


@shared_task(base=TrustTask, name="trusts.tasks.deliver_notification")
def deliver_notification(*, trust_id: int, notification_id: int) -> bool:
    return services.notification_deliver(notification_id=notification_id)


@shared_task(base=TrustTask, name="trusts.tasks.deliver_notifications")
def deliver_notifications(*, trust_id: int, notification_ids: list[int]) -> int:
    """The emails of a batch of new notifications (``trusts.recipients.alert_each``), over one connection."""
    return services.notifications_deliver(ids=notification_ids, limit=len(notification_ids))


@shared_task(base=TrustTask, name="trusts.tasks.deliver_pending_notifications")
def deliver_pending_notifications(*, trust_id: int) -> int:
    return services.notifications_deliver_pending()


deliver_pending_notifications_all_trusts = for_each_trust(deliver_pending_notifications)


@shared_task(base=TrustTask, name="trusts.tasks.send_invitation")
def send_invitation(*, trust_id: int, invitation_id: int, link: str) -> bool:
    from trusts.people import invitation_email_send

    return invitation_email_send(invitation_id=invitation_id, link=link)
