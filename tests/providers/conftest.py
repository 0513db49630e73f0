from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scope

from providers import services
from providers.selectors import checklist_rows, critical_evidence_codes
from tests.factories import EvidenceFactory

INSURED = {
    "public_liability_insurance": Decimal("5000000"),
    "employers_liability_insurance": Decimal("10000000"),
    "professional_negligence_insurance": Decimal("2000000"),
    "motor_insurance": Decimal("5000000"),
}


@pytest.fixture
def in_trust_a(world):
    with scope(trust=world.trust_a.pk):
        yield world


@pytest.fixture
def admin(world):
    return world.personas["a.trust_admin"]


@pytest.fixture
def provider(world):
    return world.providers["a"]


@pytest.fixture
def staff(world):
    """Provider a's staff persona: the provider-staff membership is the whole of their access."""
    return world.personas["a.provider_staff"]


def add_critical_evidence(provider, *, issue=date(2026, 1, 1), expiry=date(2027, 6, 30), skip=()):
    made = []
    for code in critical_evidence_codes(provider):
        if code in skip:
            continue
        made.append(
            EvidenceFactory(
                provider=provider,
                evidence_type=code,
                issue_date=issue,
                expiry_date=expiry,
                insured_amount=INSURED.get(code),
            )
        )
    return made


def add_checklist_evidence(provider, *, issue=date(2026, 1, 1), expiry=date(2027, 6, 30)):
    """A verified, in-date document for every checklist item that names evidence, so that a "yes" to any
    of them is backed. Where an item names a kind that is not critical, that kind is used, so that tests
    which leave out a critical document see only the critical rule's complaint about it."""
    critical = {*critical_evidence_codes(), "motor_insurance"}
    checklist = services.provider_checklist_start(provider=provider)
    made, have = [], set()
    for item, _ in checklist_rows(checklist):
        kinds = list(item.evidence_types or [])
        if not kinds or have & set(kinds):
            continue
        code = next((k for k in kinds if k not in critical), None)
        if code is None:
            continue  # only critical kinds: add_critical_evidence supplies them
        have.add(code)
        made.append(
            EvidenceFactory(
                provider=provider,
                evidence_type=code,
                issue_date=issue,
                expiry_date=expiry,
                insured_amount=INSURED.get(code),
            )
        )
    return made


def answer_checklist(provider, admin, answer="yes"):
    checklist = services.provider_checklist_start(provider=provider)
    answers = {
        item.pk: {"answer": answer, "comment": "Checked on the visit." if answer == "no" else ""}
        for item, _ in checklist_rows(checklist)
    }
    services.checklist_answers_save(checklist=checklist, by=admin, answers=answers)
    return checklist


def make_ready(provider, admin, **kwargs):
    """Everything the approval needs, in date, verified and answered."""
    add_critical_evidence(provider, **kwargs)
    add_checklist_evidence(provider)
    answer_checklist(provider, admin)
