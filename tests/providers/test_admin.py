import pytest
from django.urls import reverse

from tests.factories import ApprovalConditionFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_operator_pages_open(world, client):
    operator = UserFactory(username="operator", is_staff=True, is_superuser=True)
    evidence = EvidenceFactory(provider=world.providers["b"])
    ApprovalConditionFactory(provider=world.providers["a"])
    client.force_login(operator)
    provider = world.providers["a"]
    for url in (
        reverse("admin:providers_provider_changelist"),
        reverse("admin:providers_provider_change", args=[provider.pk]),
        reverse("admin:providers_evidence_changelist"),
        reverse("admin:providers_evidence_change", args=[evidence.pk]),
        reverse("admin:providers_approvalevent_changelist"),
        reverse("admin:providers_approvalcondition_changelist"),
        reverse("admin:providers_checklisttemplate_changelist"),
        reverse("admin:providers_providerchecklist_changelist"),
    ):
        response = client.get(url)
        assert response.status_code in (200, 302), url
