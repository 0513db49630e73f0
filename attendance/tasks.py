from celery import shared_task

from attendance import services
from trusts.tasking import TrustTask, for_each_trust


@shared_task(base=TrustTask, name="attendance.tasks.chase")
def chase(*, trust_id: int) -> dict:
    return services.chase_run()


chase_all_trusts = for_each_trust(chase)


@shared_task(base=TrustTask, name="attendance.tasks.extend_sessions")
def extend_sessions(*, trust_id: int) -> int:
    return services.expected_sessions_extend_all()


extend_sessions_all_trusts = for_each_trust(extend_sessions)


@shared_task(base=TrustTask, name="attendance.tasks.refresh_sessions")
def refresh_sessions(*, trust_id: int, placement_id: int) -> int:
    from placements.models import Placement

    placement = Placement.objects.filter(pk=placement_id).select_related("school").first()
    if placement is None:
        return 0
    return services.expected_sessions_refresh(placement=placement)


@shared_task(base=TrustTask, name="attendance.tasks.apply_closure")
def apply_closure(*, trust_id: int, day: str, school_id: int | None, lifted: bool = False) -> int:
    from datetime import date

    on = date.fromisoformat(day)
    if lifted:
        return services.closure_lifted(day=on, school_id=school_id)
    return services.closure_apply(day=on, school_id=school_id)
