from celery import shared_task

from attendance import services
from trusts.tasking import TrustTask, all_trust_ids


@shared_task(base=TrustTask, name="attendance.tasks.chase")
def chase(*, trust_id: int) -> dict:
    return services.chase_run()


@shared_task(name="attendance.tasks.chase_all_trusts")
def chase_all_trusts() -> int:
    trust_ids = all_trust_ids()
    for trust_id in trust_ids:
        chase.delay(trust_id=trust_id)
    return len(trust_ids)


@shared_task(base=TrustTask, name="attendance.tasks.extend_sessions")
def extend_sessions(*, trust_id: int) -> int:
    return services.expected_sessions_extend_all()


@shared_task(name="attendance.tasks.extend_sessions_all_trusts")
def extend_sessions_all_trusts() -> int:
    trust_ids = all_trust_ids()
    for trust_id in trust_ids:
        extend_sessions.delay(trust_id=trust_id)
    return len(trust_ids)
