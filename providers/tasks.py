from celery import shared_task

from providers import services
from trusts.models import Trust
from trusts.tasking import TrustTask, all_trust_ids


@shared_task(base=TrustTask, name="providers.tasks.check_evidence_expiry")
def check_evidence_expiry(*, trust_id: int) -> dict:
    return services.evidence_expiry_run(trust=Trust.objects.get(pk=trust_id))


@shared_task(name="providers.tasks.check_evidence_expiry_all_trusts")
def check_evidence_expiry_all_trusts() -> int:
    trust_ids = all_trust_ids()
    for trust_id in trust_ids:
        check_evidence_expiry.delay(trust_id=trust_id)
    return len(trust_ids)
