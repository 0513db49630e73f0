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


@shared_task(base=TrustTask, name="attendance.tasks.refresh_sessions")
def refresh_sessions(*, trust_id: int, placement_id: int) -> int:
    from placements.models import Placement

    placement = Placement.objects.filter(pk=placement_id).select_related("school").first()
    if placement is None:
        return 0
    return services.expected_sessions_refresh(placement=placement)
