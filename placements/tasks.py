"""Placement reminders. Beat runs the fan-out tasks; each trust's task calls one service that decides from
the database and notifies once per subject, so a re-run or a missed beat is harmless."""

from celery import shared_task

from placements import cadence, reminders, retention
from placements.safeguarding.services import concerns_escalate
from trusts.models import Trust
from trusts.tasking import TrustTask, for_each_trust


@shared_task(base=TrustTask, name="placements.tasks.remind_reviews")
def remind_reviews(*, trust_id: int) -> int:
    return reminders.reviews_remind()


@shared_task(base=TrustTask, name="placements.tasks.remind_unsigned_slas")
def remind_unsigned_slas(*, trust_id: int) -> int:
    return reminders.sla_unsigned_remind()


@shared_task(base=TrustTask, name="placements.tasks.remind_part_time_reviews")
def remind_part_time_reviews(*, trust_id: int) -> int:
    return reminders.part_time_reviews_remind()


@shared_task(base=TrustTask, name="placements.tasks.escalate_concerns")
def escalate_concerns(*, trust_id: int) -> int:
    return concerns_escalate()


@shared_task(base=TrustTask, name="placements.tasks.reconcile_cadence")
def reconcile_cadence(*, trust_id: int) -> dict:
    return cadence.cadence_reconcile()


@shared_task(base=TrustTask, name="placements.tasks.prepare_retention_review")
def prepare_retention_review(*, trust_id: int) -> int | None:
    review = retention.retention_review_prepare(trust=Trust.objects.get(pk=trust_id))
    return review.pk if review else None


@shared_task(base=TrustTask, name="placements.tasks.carry_out_retention_review")
def carry_out_retention_review(*, review_id: int, trust_id: int) -> dict:
    review = retention.retention_review_carry_out(review_id=review_id)
    return review.deleted if review else {}


remind_reviews_all_trusts = for_each_trust(remind_reviews)
prepare_retention_review_all_trusts = for_each_trust(prepare_retention_review)
reconcile_cadence_all_trusts = for_each_trust(reconcile_cadence)
remind_unsigned_slas_all_trusts = for_each_trust(remind_unsigned_slas)
remind_part_time_reviews_all_trusts = for_each_trust(remind_part_time_reviews)
escalate_concerns_all_trusts = for_each_trust(escalate_concerns)
