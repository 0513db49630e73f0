from celery import shared_task

from providers import services
from trusts.models import Trust
from trusts.tasking import TrustTask, for_each_trust


@shared_task(base=TrustTask, name="providers.tasks.check_evidence_expiry")
def check_evidence_expiry(*, trust_id: int) -> dict:
    return services.evidence_expiry_run(trust=Trust.objects.get(pk=trust_id))


check_evidence_expiry_all_trusts = for_each_trust(check_evidence_expiry)
