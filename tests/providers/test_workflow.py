from datetime import date

import pytest
import time_machine

from providers import services
from providers.models import ApprovalCondition, ApprovalEvent, ChecklistItem, Evidence, Provider
from providers.selectors import checklist_rows
from tests.factories import EvidenceFactory, ProviderFactory
from tests.providers.conftest import (
    add_checklist_evidence,
    add_critical_evidence,
    answer_checklist,
    make_ready,
)
from trusts.errors import DomainError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_trust_a")]
TODAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-16 10:00 +0000", tick=False):
        yield


def submit(provider, admin):
    return services.provider_submit(provider=provider, by=admin)


def test_happy_path_draft_to_approved_records_history(provider, admin):
    make_ready(provider, admin)
    submit(provider, admin)
    services.provider_approve(
        provider=provider, by=admin, approved_until=date(2027, 7, 31), reason="All good"
    )
    provider.refresh_from_db()
    assert provider.status == Provider.Status.APPROVED
    assert provider.is_approved_on(TODAY)
    assert not provider.is_approved_on(date(2027, 8, 1))
    events = list(ApprovalEvent.objects.filter(provider=provider).order_by("at", "id"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("draft", "submitted"),
        ("submitted", "approved"),
    ]
    assert events[1].actor == admin.user
    assert events[1].reason == "All good"
    assert events[1].approved_until == date(2027, 7, 31)


def test_approval_lists_every_missing_requirement(provider, admin):
    submit(provider, admin)
    with pytest.raises(DomainError) as refused:
        services.provider_approve(provider=provider, by=admin, approved_until=date(2027, 7, 31))
    problems = "\n".join(refused.value.problems)
    assert "Safeguarding and child protection policy: missing." in problems
    assert "Single central record / DBS assurance letter: missing." in problems
    assert "Public liability insurance certificate: missing." in problems
    assert "Checklist not answered:" in problems
    provider.refresh_from_db()
    assert provider.status == Provider.Status.SUBMITTED


def test_expired_safeguarding_policy_blocks_approval(provider, admin):
    make_ready(provider, admin, skip=("safeguarding_policy",))
    EvidenceFactory(
        provider=provider,
        evidence_type="safeguarding_policy",
        issue_date=date(2025, 1, 1),
        expiry_date=date(2026, 1, 1),
    )
    submit(provider, admin)
    with pytest.raises(DomainError) as refused:
        services.provider_approve(provider=provider, by=admin, approved_until=date(2027, 7, 31))
    assert refused.value.problems == [
        "Safeguarding and child protection policy: ran out on 1 January 2026; an in-date copy is needed."
    ]


def test_unverified_evidence_does_not_count(provider, admin):
    make_ready(provider, admin, skip=("scr_dbs_assurance",))
    EvidenceFactory(provider=provider, evidence_type="scr_dbs_assurance", status="pending")
    submit(provider, admin)
    with pytest.raises(DomainError) as refused:
        services.provider_approve(provider=provider, by=admin, approved_until=date(2027, 7, 31))
    assert refused.value.problems == [
        "Single central record / DBS assurance letter: uploaded, but the trust has not verified it yet."
    ]


def test_insurance_below_the_trust_minimum_blocks_approval(provider, admin):
    make_ready(provider, admin, skip=("public_liability_insurance",))
    EvidenceFactory(
        provider=provider, evidence_type="public_liability_insurance", insured_amount="4999999.99"
    )
    submit(provider, admin)
    with pytest.raises(DomainError) as refused:
        services.provider_approve(provider=provider, by=admin, approved_until=date(2027, 7, 31))
    assert refused.value.problems == [
        "Public liability insurance certificate: covers £4,999,999.99; the trust's minimum is £5,000,000."
    ]


def test_insurance_minimum_is_the_trusts(provider, admin, world):
    policy = world.trust_a.policy
    policy.min_public_liability = 6_000_000
    policy.save()
    make_ready(provider, admin)
    submit(provider, admin)
    with pytest.raises(DomainError) as refused:
        services.provider_approve(provider=provider, by=admin, approved_until=date(2027, 7, 31))
    assert "minimum is £6,000,000" in refused.value.problems[0]


def test_motor_insurance_needed_only_when_transporting(provider, admin):
    provider.provides_transport = True
    provider.save()
    make_ready(provider, admin, skip=("motor_insurance",))
    submit(provider, admin)
    with pytest.raises(DomainError) as refused:
        services.provider_approve(provider=provider, by=admin, approved_until=date(2027, 7, 31))
    assert refused.value.problems == ["Motor insurance covering the transport of pupils: missing."]


def test_checklist_no_blocks_approval(provider, admin):
    add_critical_evidence(provider)
    add_checklist_evidence(provider)
    checklist = answer_checklist(provider, admin)
    item, _ = next((i, a) for i, a in checklist_rows(checklist) if i.required)
    services.checklist_answers_save(
        checklist=checklist, by=admin, answers={item.pk: {"answer": "no", "comment": "No policy seen"}}
    )
    submit(provider, admin)
    with pytest.raises(DomainError) as refused:
        services.provider_approve(provider=provider, by=admin, approved_until=date(2027, 7, 31))
    assert refused.value.problems == [f"Checklist answered no: {item.text}"]


def _row(provider, code):
    checklist = services.provider_checklist_start(provider=provider)
    return next((item, answer) for item, answer in checklist_rows(checklist) if item.code == code)


class TestChecklistEvidenceRule:
    """Every yes that names kinds of evidence needs a verified, in-date document of one of them."""

    def test_yes_without_any_document_names_what_is_missing(self, provider, admin):
        add_critical_evidence(provider)
        answer_checklist(provider, admin)
        problems = services.checklist_problems(provider=provider, on=TODAY)
        item, _ = _row(provider, "pre_professional_negligence")
        assert (
            "Professional negligence / indemnity insurance certificate: no verified, in-date copy on file "
            f"(checklist answered yes: {item.text})"
        ) in problems
        joined = "\n".join(problems)
        assert "ICO registration (data protection fee) certificate: no verified" in joined
        assert "Online safety policy" in joined
        # Items whose kinds are already on file (the critical documents) raise nothing.
        assert not any(p.startswith("Public liability insurance certificate") for p in problems)

    def test_every_item_backed_passes(self, provider, admin):
        make_ready(provider, admin)
        assert services.checklist_problems(provider=provider, on=TODAY) == []

    @pytest.mark.parametrize(
        ("change", "expect_problem"),
        [
            ({"status": "pending"}, True),
            ({"status": "rejected"}, True),
            ({"expiry_date": date(2026, 11, 15)}, True),
            ({"issue_date": date(2026, 11, 17)}, True),  # not yet in force
            ({"expiry_date": date(2026, 11, 16)}, False),  # the last day still counts
            ({}, False),
        ],
    )
    def test_only_a_verified_in_date_document_counts(self, provider, admin, change, expect_problem):
        make_ready(provider, admin)
        Evidence.objects.filter(provider=provider, evidence_type="ico_registration").update(**change)
        problems = services.checklist_problems(provider=provider, on=TODAY)
        assert any(p.startswith("ICO registration") for p in problems) is expect_problem

    def test_any_one_of_the_named_kinds_will_do(self, provider, admin):
        make_ready(provider, admin)
        # The item names a data protection policy or an IT security policy: the second alone is enough.
        Evidence.objects.filter(provider=provider, evidence_type="data_protection_policy").delete()
        assert services.checklist_problems(provider=provider, on=TODAY) != []
        EvidenceFactory(provider=provider, evidence_type="it_security_policy", expiry_date=date(2027, 6, 30))
        assert services.checklist_problems(provider=provider, on=TODAY) == []

    def test_linked_documents_are_what_count(self, provider, admin):
        make_ready(provider, admin)
        item, _ = _row(provider, "pre_ico_registration")
        old = EvidenceFactory(
            provider=provider,
            evidence_type="ico_registration",
            issue_date=date(2025, 1, 1),
            expiry_date=date(2026, 1, 1),
        )
        checklist = services.provider_checklist_start(provider=provider)
        services.checklist_answers_save(
            checklist=checklist, by=admin, answers={item.pk: {"answer": "yes", "evidence": [old.pk]}}
        )
        problems = services.checklist_problems(provider=provider, on=TODAY)
        assert problems == [
            "ICO registration (data protection fee) certificate: none of the documents linked to the "
            f"checklist answer is verified and in date (answered yes: {item.text})"
        ]
        current = Evidence.objects.get(
            provider=provider, evidence_type="ico_registration", expiry_date__gt=TODAY
        )
        services.checklist_answers_save(
            checklist=checklist,
            by=admin,
            answers={item.pk: {"answer": "yes", "evidence": [old.pk, current.pk]}},
        )
        assert services.checklist_problems(provider=provider, on=TODAY) == []

    def test_a_linked_document_of_another_kind_does_not_count(self, provider, admin):
        make_ready(provider, admin)
        item, _ = _row(provider, "pre_ico_registration")
        other = Evidence.objects.filter(provider=provider, evidence_type="online_safety_policy").get()
        checklist = services.provider_checklist_start(provider=provider)
        services.checklist_answers_save(
            checklist=checklist, by=admin, answers={item.pk: {"answer": "yes", "evidence": [other.pk]}}
        )
        assert len(services.checklist_problems(provider=provider, on=TODAY)) == 1

    def test_higher_risk_items_apply_only_to_higher_risk_providers(self, provider, admin):
        make_ready(provider, admin)
        assert services.checklist_problems(provider=provider, on=TODAY) == []
        provider.risk_level = Provider.RiskLevel.HIGHER
        provider.risk_categories = ["animals_farm"]
        provider.save()
        problems = services.checklist_problems(provider=provider, on=TODAY)
        # The robust health and safety items now apply and are not answered yet.
        item, _ = _row(provider, "hr_coshh")
        assert f"Checklist not answered: {item.text}" in problems
        # The optional animal-handling item does not block, but a yes to it needs its risk assessment.
        animal, _ = _row(provider, "hr_animal_handling")
        assert not any(animal.text in p for p in problems)
        checklist = services.provider_checklist_start(provider=provider)
        services.checklist_answers_save(checklist=checklist, by=admin, answers={animal.pk: {"answer": "yes"}})
        problems = services.checklist_problems(provider=provider, on=TODAY)
        assert any(p.startswith("Animal") and animal.text in p for p in problems)

    def test_lower_risk_provider_skips_higher_risk_items(self, provider, admin):
        make_ready(provider, admin)
        checklist = services.provider_checklist_start(provider=provider)
        codes = {item.code for item, _ in checklist_rows(checklist)}
        assert "hr_coshh" not in codes and "hs_lower_risk_confirmation" in codes

    def test_approval_refused_with_every_gap_listed(self, provider, admin):
        add_critical_evidence(provider)
        answer_checklist(provider, admin)
        submit(provider, admin)
        with pytest.raises(DomainError) as refused:
            services.provider_approve(provider=provider, by=admin, approved_until=date(2027, 7, 31))
        problems = refused.value.problems
        assert len(problems) > 10
        assert any(p.startswith("Professional negligence") for p in problems)
        provider.refresh_from_db()
        assert provider.status == Provider.Status.SUBMITTED


def test_not_applicable_satisfies_a_required_item(provider, admin):
    add_critical_evidence(provider)
    answer_checklist(provider, admin, answer="na")
    assert services.checklist_problems(provider=provider, on=TODAY) == []
    submit(provider, admin)
    event = services.provider_approve(provider=provider, by=admin, approved_until=date(2027, 7, 31))
    provider.refresh_from_db()
    assert provider.status == Provider.Status.APPROVED
    assert (event.from_status, event.to_status) == ("submitted", "approved")


def test_no_answer_needs_a_comment(provider, admin):
    checklist = services.provider_checklist_start(provider=provider)
    item, _ = checklist_rows(checklist)[0]
    with pytest.raises(DomainError) as refused:
        services.checklist_answers_save(checklist=checklist, by=admin, answers={item.pk: {"answer": "no"}})
    assert "say why the answer is no" in refused.value.problems[0]


def test_registered_school_needs_urn(provider, admin):
    provider.registration_status = Provider.RegistrationStatus.INDEPENDENT_SCHOOL
    provider.save()
    make_ready(provider, admin)
    submit(provider, admin)
    with pytest.raises(DomainError) as refused:
        services.provider_approve(provider=provider, by=admin, approved_until=date(2027, 7, 31))
    assert refused.value.problems == ["A registered school needs its URN recorded."]


def test_approve_with_conditions(provider, admin):
    make_ready(provider, admin)
    submit(provider, admin)
    event = services.provider_approve(
        provider=provider,
        by=admin,
        approved_until=date(2027, 7, 31),
        conditions=[("Send the fire drill log", date(2026, 12, 18)), ("", None)],
    )
    provider.refresh_from_db()
    assert provider.status == Provider.Status.APPROVED_WITH_CONDITIONS
    assert provider.is_approved_on(TODAY)
    condition = ApprovalCondition.objects.get(provider=provider)
    assert (condition.text, condition.due_date, condition.event) == (
        "Send the fire drill log",
        date(2026, 12, 18),
        event,
    )
    services.approval_condition_meet(condition=condition, by=admin)
    condition.refresh_from_db()
    assert condition.met_at is not None and condition.met_by == admin.user


def test_conditions_need_due_dates_after_today(provider, admin):
    make_ready(provider, admin)
    submit(provider, admin)
    with pytest.raises(DomainError) as refused:
        services.provider_approve(
            provider=provider,
            by=admin,
            approved_until=date(2027, 7, 31),
            conditions=[("Send the log", TODAY)],
        )
    assert refused.value.problems == ["Condition 'Send the log' needs a due date after today."]


def test_approval_date_must_be_in_the_future(provider, admin):
    make_ready(provider, admin)
    submit(provider, admin)
    with pytest.raises(DomainError) as refused:
        services.provider_approve(provider=provider, by=admin, approved_until=TODAY)
    assert "after today" in refused.value.problems[0]


@pytest.mark.parametrize("role", ["headteacher", "ap_lead", "school_dsl", "trust_dsl", "trust_governor"])
def test_only_trust_admins_decide(world, provider, admin, role):
    make_ready(provider, admin)
    submit(provider, admin)
    other = world.personas[f"a.{role}"]
    with pytest.raises(DomainError, match="Only a trust admin"):
        services.provider_approve(provider=provider, by=other, approved_until=date(2027, 7, 31))
    with pytest.raises(DomainError, match="Only a trust admin"):
        services.provider_reject(provider=provider, by=other, reason="No")


def test_provider_staff_cannot_approve_their_own_provider(provider, admin, staff):
    make_ready(provider, admin)
    submit(provider, admin)
    with pytest.raises(DomainError, match="Only a trust admin"):
        services.provider_approve(provider=provider, by=staff, approved_until=date(2027, 7, 31))


def test_reject_needs_reason_and_then_resubmit(provider, admin):
    submit(provider, admin)
    with pytest.raises(DomainError, match="Give the reason"):
        services.provider_reject(provider=provider, by=admin, reason="  ")
    services.provider_reject(provider=provider, by=admin, reason="Premises unsuitable")
    provider.refresh_from_db()
    assert provider.status == Provider.Status.REJECTED
    submit(provider, admin)
    provider.refresh_from_db()
    assert provider.status == Provider.Status.SUBMITTED


def test_suspend_only_an_approved_provider(provider, admin):
    with pytest.raises(DomainError, match="cannot be suspended"):
        services.provider_suspend(provider=provider, by=admin, reason="Concern")
    make_ready(provider, admin)
    submit(provider, admin)
    services.provider_approve(provider=provider, by=admin, approved_until=date(2027, 7, 31))
    services.provider_suspend(provider=provider, by=admin, reason="Safeguarding concern raised")
    provider.refresh_from_db()
    assert provider.status == Provider.Status.SUSPENDED
    assert not provider.is_approved_on(TODAY)


def test_cannot_approve_a_draft(provider, admin):
    make_ready(provider, admin)
    with pytest.raises(DomainError, match="cannot be approved"):
        services.provider_approve(provider=provider, by=admin, approved_until=date(2027, 7, 31))


def test_lapse_is_recorded_as_the_system(provider, admin):
    make_ready(provider, admin)
    submit(provider, admin)
    services.provider_approve(provider=provider, by=admin, approved_until=date(2027, 7, 31))
    event = services.provider_lapse(provider=provider, reason="Insurance ran out")
    assert (event.actor, event.actor_label, event.to_status) == (None, "system", "lapsed")


def test_higher_risk_providers_get_the_robust_items(world, admin):
    lower = ProviderFactory(trust=world.trust_a, risk_level="lower")
    higher = ProviderFactory(trust=world.trust_a, risk_level="higher", risk_categories=["workshop"])
    lower_items = {i.applies_to for i, _ in checklist_rows(services.provider_checklist_start(provider=lower))}
    higher_items = {
        i.applies_to for i, _ in checklist_rows(services.provider_checklist_start(provider=higher))
    }
    assert lower_items == {"all", "lower_risk"}
    assert higher_items == {"all", "higher_risk"}


def test_checklist_template_seeded_once_and_adapted_as_new_version(world, admin, provider):
    first = services.checklist_template_current(trust=world.trust_a)
    assert services.checklist_template_current(trust=world.trust_a) == first
    started = services.provider_checklist_start(provider=provider)
    count = ChecklistItem.objects.filter(template=first).count()
    second = services.checklist_template_adapt(
        trust=world.trust_a,
        by=admin,
        note="Our own wording for the DSL question; no subcontracting question.",
        changes={"pre_dsl_named_trained": {"text": "A trained DSL and deputy are named."}},
        remove=["doc_subcontracting"],
        add=[{"section": "pre_placement", "code": "pre_trust_visit", "text": "A trust officer has visited."}],
    )
    assert second.version == 2 and second.is_current
    first.refresh_from_db()
    assert not first.is_current
    assert ChecklistItem.objects.filter(template=second).count() == count
    assert ChecklistItem.objects.get(template=second, code="pre_dsl_named_trained").text.startswith(
        "A trained"
    )
    assert not ChecklistItem.objects.filter(template=second, code="doc_subcontracting").exists()
    # A checklist already started keeps its version.
    assert services.provider_checklist_start(provider=provider) == started
    assert started.template == first


def test_checklist_adapt_lists_every_problem(world, admin):
    with pytest.raises(DomainError) as refused:
        services.checklist_template_adapt(
            trust=world.trust_a, by=admin, note="", changes={"nope": {"text": "x"}}, remove=["gone"]
        )
    assert len(refused.value.problems) == 3
