from celery import shared_task

from trusts import services
from trusts.tasking import TrustTask, all_trust_ids


@shared_task(base=TrustTask, name="trusts.tasks.deliver_notification")
def deliver_notification(*, trust_id: int, notification_id: int) -> bool:
    return services.notification_deliver(notification_id=notification_id)


@shared_task(base=TrustTask, name="trusts.tasks.deliver_pending_notifications")
def deliver_pending_notifications(*, trust_id: int) -> int:
    return services.notifications_deliver_pending()


@shared_task(name="trusts.tasks.deliver_pending_notifications_all_trusts")
def deliver_pending_notifications_all_trusts() -> int:
    trust_ids = all_trust_ids()
    for trust_id in trust_ids:
        deliver_pending_notifications.delay(trust_id=trust_id)
    return len(trust_ids)
