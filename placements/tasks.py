"""Placement reminders. Beat runs the fan-out tasks; each trust's task calls one service that decides from
the database and notifies once per subject, so a re-run or a missed beat is harmless."""

from celery import shared_task

from placements import services
from trusts.tasking import TrustTask, all_trust_ids


@shared_task(base=TrustTask, name="placements.tasks.remind_reviews")
def remind_reviews(*, trust_id: int) -> int:
    return services.reviews_remind()


@shared_task(base=TrustTask, name="placements.tasks.remind_unsigned_slas")
def remind_unsigned_slas(*, trust_id: int) -> int:
    return services.sla_unsigned_remind()


@shared_task(base=TrustTask, name="placements.tasks.remind_part_time_reviews")
def remind_part_time_reviews(*, trust_id: int) -> int:
    return services.part_time_reviews_remind()


def _fan_out(task) -> int:
    trust_ids = all_trust_ids()
    for trust_id in trust_ids:
        task.delay(trust_id=trust_id)
    return len(trust_ids)


@shared_task(name="placements.tasks.remind_reviews_all_trusts")
def remind_reviews_all_trusts() -> int:
    return _fan_out(remind_reviews)


@shared_task(name="placements.tasks.remind_unsigned_slas_all_trusts")
def remind_unsigned_slas_all_trusts() -> int:
    return _fan_out(remind_unsigned_slas)


@shared_task(name="placements.tasks.remind_part_time_reviews_all_trusts")
def remind_part_time_reviews_all_trusts() -> int:
    return _fan_out(remind_part_time_reviews)
