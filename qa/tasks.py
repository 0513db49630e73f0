from celery import shared_task

from qa import services
from trusts.models import Trust
from trusts.tasking import TrustTask, for_each_trust


@shared_task(base=TrustTask, name="qa.tasks.reconcile")
def reconcile(*, trust_id: int) -> dict:
    return services.qa_reconcile(trust=Trust.objects.get(pk=trust_id))


reconcile_all_trusts = for_each_trust(reconcile)
