"""Recording a visit: part-done saves, freezing on completion, corrections as new versions, bad input refused
with a clear message and nothing lost, consequences for the provider, and the PDFs' text."""

import io
import threading
from datetime import date

import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from providers.models import ApprovalEvent, Provider
from qa import documents, services
from qa.models import ImprovementAction, ProviderFlag, Visit
from tests.factories import EvidenceFactory, PlacementFactory, PupilFactory
from tests.qa.conftest import VisitFactory, fill_visit
from trusts.errors import DomainError
from trusts.models import Notification

ON = date(2026, 11, 23)


def pdf_text(data: bytes) -> str:
    # Words only: table cells wrap lines wherever the column ends.
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def plan(s, on=ON):
    with scope(trust=s.trust.pk):
        return services.visit_plan(
            provider=s.provider, by=s.visitor, planned_for=on, visitor=s.visitor.user, on=date(2026, 11, 1)
        )


def test_plan_refused_for_a_provider_with_no_pupils(s):
    with scopes_disabled():
        Provider.objects.filter(pk=s.provider.pk)
    from tests.factories import ProviderFactory

    empty = ProviderFactory(trust=s.trust, legal_name="Empty Barn Ltd")
    with scope(trust=s.trust.pk), pytest.raises(DomainError, match="No pupils are placed at Empty Barn"):
        services.visit_plan(provider=empty, by=s.visitor, planned_for=ON, visitor=s.visitor.user, on=ON)


def test_plan_refuses_a_visitor_who_does_not_record_visits(s):
    with scope(trust=s.trust.pk), pytest.raises(DomainError) as error:
        services.visit_plan(provider=s.provider, by=s.visitor, planned_for=ON, visitor=s.staff.user, on=ON)
    assert "Choose a visitor" in " ".join(error.value.problems)


def test_whole_visit_saved_part_done_then_completed_and_frozen(s):
    visit = plan(s)
    with scope(trust=s.trust.pk):
        visit = services.visit_start(visit=visit, by=s.visitor, on=ON)
        assert visit.status == Visit.Status.IN_PROGRESS
        # Part-done: details only, then the rest later.
        visit = services.visit_save(
            visit=visit,
            by=s.visitor,
            revision=visit.revision,
            data={"visit_date": ON, "met_with": "Sam"},
            on=ON,
        )
        with pytest.raises(DomainError) as error:
            services.visit_complete(visit=visit, by=s.visitor, on=ON)
        assert any("Rate every standard" in p for p in error.value.problems)
    visit = fill_visit(visit, s.visitor, on=ON)
    with scope(trust=s.trust.pk):
        visit = services.visit_complete(visit=visit, by=s.visitor, on=ON)
        assert visit.is_frozen and visit.pre_visit_snapshot
        with pytest.raises(DomainError, match="completed"):
            services.visit_save(
                visit=visit, by=s.visitor, revision=visit.revision, data={"strengths": "x"}, on=ON
            )
        assert ImprovementAction.objects.filter(visit=visit).count() == 1


def test_pre_visit_checks_read_evidence_at_the_visit_date(s):
    EvidenceFactory(provider=s.provider, evidence_type="scr_dbs_assurance", expiry_date=date(2026, 11, 30))
    EvidenceFactory(provider=s.provider, evidence_type="behaviour_policy", expiry_date=date(2026, 11, 1))
    visit = VisitFactory(provider=s.provider, visitor=s.visitor.user, planned_for=ON)
    from qa import selectors

    with scope(trust=s.trust.pk):
        rows = {r["code"]: r for r in selectors.pre_visit_checks(visit)}
    assert rows["P1"]["ok"] and "in date until 30 Nov 2026" in rows["P1"]["documents"][0]["note"]
    assert rows["P8"]["documents"][0]["state"] == "expired"
    assert rows["P10"]["documents"][0]["state"] == "missing"
    assert rows["P7"]["needs_eye"]


class TestBadInput:
    def test_rating_outside_the_scale(self, s):
        visit = plan(s)
        with scope(trust=s.trust.pk):
            item = visit.framework.items.filter(part="standard").first()
            with pytest.raises(DomainError) as error:
                services.visit_save(
                    visit=visit,
                    by=s.visitor,
                    revision=visit.revision,
                    data={"ratings": {item.pk: {"rating": "excellent", "evidence": "x"}}},
                    on=ON,
                )
        assert "Fully, Partially, Limited evidence or Not at all" in " ".join(error.value.problems)

    def test_future_visit_cannot_be_completed(self, s):
        visit = fill_visit(plan(s, on=date(2026, 11, 30)), s.visitor, on=ON, visit_date=date(2026, 11, 30))
        with scope(trust=s.trust.pk), pytest.raises(DomainError) as error:
            services.visit_complete(visit=visit, by=s.visitor, on=ON)
        assert "in the future" in " ".join(error.value.problems)
        with scope(trust=s.trust.pk):
            assert Visit.objects.get(pk=visit.pk).status == Visit.Status.IN_PROGRESS

    def test_action_without_owner_or_due_date(self, s):
        visit = plan(s)
        with scope(trust=s.trust.pk), pytest.raises(DomainError) as error:
            services.visit_save(
                visit=visit,
                by=s.visitor,
                revision=visit.revision,
                data={
                    "actions": [
                        {"area": "Fire", "action": "Drill", "rag": "red", "owner": "", "due_date": None}
                    ]
                },
                on=ON,
            )
        assert "give who will do it, a due date" in " ".join(error.value.problems)

    def test_stale_revision_is_refused_and_nothing_is_overwritten(self, s):
        visit = plan(s)
        with scope(trust=s.trust.pk):
            services.visit_save(visit=visit, by=s.visitor, revision=0, data={"strengths": "First"}, on=ON)
            with pytest.raises(DomainError, match="Someone else saved"):
                services.visit_save(
                    visit=visit, by=s.visitor, revision=0, data={"strengths": "Second"}, on=ON
                )
            assert Visit.objects.get(pk=visit.pk).strengths == "First"

    def test_pupil_not_placed_there(self, s):
        visit = plan(s)
        stranger = PupilFactory(school=s.school)
        with scope(trust=s.trust.pk), pytest.raises(DomainError, match="Nothing was saved"):
            services.visit_save(
                visit=visit, by=s.visitor, revision=0, data={"pupils": {stranger.pk: "hi"}}, on=ON
            )


@pytest.mark.django_db(transaction=True)
def test_two_people_finishing_at_once_one_wins_the_other_is_told():
    from tests.qa.conftest import build_setup

    s = build_setup()
    visit = fill_visit(plan(s), s.visitor, on=ON)
    results = []
    barrier = threading.Barrier(2)

    def finish(by):
        try:
            barrier.wait()
            with scope(trust=s.trust.pk):
                services.visit_complete(visit=Visit.objects.get(pk=visit.pk), by=by, on=ON)
            results.append("done")
        except DomainError as error:
            results.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=finish, args=(m,)) for m in (s.visitor, s.admin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("done") == 1
    assert any("already completed by" in r for r in results)


def test_correction_is_a_new_version_with_a_reason(s):
    visit = fill_visit(plan(s), s.visitor, on=ON)
    with scope(trust=s.trust.pk):
        visit = services.visit_complete(visit=visit, by=s.visitor, on=ON)
        with pytest.raises(DomainError, match="reason"):
            services.visit_correct(visit=visit, by=s.visitor, reason=" ")
        new = services.visit_correct(visit=visit, by=s.visitor, reason="Wrong date for the fire drill action")
        assert (new.version, new.previous_id, new.is_current) == (2, visit.pk, False)
        assert new.ratings.count() == visit.ratings.count()
        old_action = visit.actions.get()
        services.visit_save(
            visit=new, by=s.visitor, revision=new.revision, data={"strengths": "Corrected"}, on=ON
        )
        new = services.visit_complete(visit=Visit.objects.get(pk=new.pk), by=s.visitor, on=ON)
        visit.refresh_from_db()
        assert not visit.is_current and new.is_current
        assert visit.strengths != "Corrected"
        assert ImprovementAction.objects.live().get().carried_from_id == old_action.pk


class TestConsequences:
    def test_does_not_meet_flags_the_provider_and_asks_the_trust_admin(self, s):
        visit = fill_visit(plan(s), s.visitor, on=ON, outcome="does_not_meet", rating="limited")
        with scope(trust=s.trust.pk):
            services.visit_complete(visit=visit, by=s.visitor, on=ON)
            flag = ProviderFlag.objects.get()
            assert flag.reason == "does_not_meet"
            assert list(
                Notification.objects.filter(kind="qa.provider_flagged").values_list("recipient", flat=True)
            ) == [s.admin.user_id]
            with pytest.raises(DomainError):
                services.flag_decide(flag=flag, by=s.visitor, decision="suspended", reason="x")
            services.flag_decide(flag=flag, by=s.admin, decision="suspended", reason="Unsafe premises")
            s.provider.refresh_from_db()
            assert s.provider.status == Provider.Status.SUSPENDED
            event = ApprovalEvent.objects.filter(provider=s.provider).first()
            assert "Quality assurance: Unsafe premises" in event.reason
            with pytest.raises(DomainError, match="already decided"):
                services.flag_decide(flag=flag, by=s.admin, decision="suspended", reason="again")

    def test_accepting_a_new_date_is_recorded_in_the_approval_history(self, s):
        visit = fill_visit(plan(s), s.visitor, on=ON, outcome="does_not_meet", rating="limited")
        with scope(trust=s.trust.pk):
            services.visit_complete(visit=visit, by=s.visitor, on=ON)
            flag = ProviderFlag.objects.get()
            with pytest.raises(DomainError):
                services.flag_decide(
                    flag=flag, by=s.admin, decision="new_date", reason="ok", new_date=None, on=ON
                )
            services.flag_decide(
                flag=flag,
                by=s.admin,
                decision="new_date",
                reason="Manager replaced",
                new_date=date(2026, 12, 10),
                on=ON,
            )
            s.provider.refresh_from_db()
            assert s.provider.status == Provider.Status.APPROVED
            event = ApprovalEvent.objects.filter(provider=s.provider).first()
            assert event.from_status == event.to_status == "approved"
            assert "re-visit by 10 December 2026" in event.reason
            assert Visit.objects.get(pk=visit.pk).next_visit_date == date(2026, 12, 10)

    def test_overdue_action_past_grace_is_chased_then_flagged_once(self, s):
        visit = fill_visit(plan(s), s.visitor, on=ON)
        with scope(trust=s.trust.pk):
            services.visit_complete(visit=visit, by=s.visitor, on=ON)
            action = ImprovementAction.objects.get()  # due 11 Dec 2026
            sent = services.qa_reconcile(trust=s.trust, on=date(2026, 12, 9))
            assert sent["action_due"] == 2  # the provider's staff and the visitor
            sent = services.qa_reconcile(trust=s.trust, on=date(2026, 12, 14))
            assert sent["action_overdue"] == 2 and sent["flags"] == 0
            sent = services.qa_reconcile(trust=s.trust, on=date(2026, 12, 28))
            assert sent["flags"] == 1 and sent["action_overdue"] == 0
            again = services.qa_reconcile(trust=s.trust, on=date(2026, 12, 29))
            assert again["flags"] == 0 and again["action_overdue"] == 0
            assert ProviderFlag.objects.get().action_id == action.pk

    def test_provider_responds_and_the_school_closes_with_evidence(self, s):
        visit = fill_visit(plan(s), s.visitor, on=ON)
        with scope(trust=s.trust.pk):
            services.visit_complete(visit=visit, by=s.visitor, on=ON)
            action = ImprovementAction.objects.get()
            with pytest.raises(DomainError):
                services.action_respond(action=action, by=s.visitor, text="x")
            services.action_respond(action=action, by=s.staff, text="Drill held on 1 December, log attached.")
            assert Notification.objects.filter(kind="qa.action_response", recipient=s.visitor.user).exists()
            with pytest.raises(DomainError, match="evidence"):
                services.action_close(action=action, by=s.visitor, evidence="")
            services.action_close(action=action, by=s.visitor, evidence="Fire drill log seen")
            action.refresh_from_db()
            assert action.status == "closed"


class TestPDFs:
    def test_completed_report_has_ratings_evidence_voice_and_plan_without_names(self, s):
        other = PupilFactory(
            school=s.school, legal_first_name="Ben", legal_last_name="Okafor", year_group="11"
        )
        PlacementFactory(pupil=other, provider=s.provider, status="active", start_date=date(2026, 9, 7))
        visit = fill_visit(plan(s), s.visitor, on=ON)
        with scope(trust=s.trust.pk):
            visit = services.visit_save(
                visit=visit,
                by=s.visitor,
                revision=visit.revision,
                data={"pupils": {s.pupil.pk: "I like the workshop.", other.pk: "It's better than school."}},
                on=ON,
            )
            visit = services.visit_complete(visit=visit, by=s.visitor, on=ON)
            text = pdf_text(documents.visit_report_pdf(visit))
        assert "Quality assurance visit report" in text
        assert "Pennine Skills Hub" in text
        assert "Meets most standards" in text
        assert "Evidence for 1a" in text and "Fully" in text
        assert "I like the workshop." in text and "A.S." in text and "B.O." in text
        assert "Ava" not in text and "Okafor" not in text
        assert "Record each drill" in text and "Sam Lee" in text
        assert "Signatures" in text and "Vera Visitor" in text

    def test_blank_form_lists_checks_standards_and_live_evidence(self, s):
        EvidenceFactory(
            provider=s.provider, evidence_type="public_liability_insurance", expiry_date=date(2026, 10, 1)
        )
        visit = plan(s)
        with scope(trust=s.trust.pk):
            text = pdf_text(documents.blank_form_pdf(visit, membership=s.visitor))
        assert "Quality assurance visit form" in text
        assert "Public liability insurance" in text and "expired on 01 Oct 2026" in text
        assert "Fire plans are displayed" in text
        assert "1a" in text and "5d" in text
        assert "Limited evidence" in text and "Does not meet the standards" in text
        assert "A.S. (Year 10)" in text


def test_framework_adapted_as_a_new_version_visits_keep_theirs(s):
    visit = plan(s)
    with scope(trust=s.trust.pk):
        old = visit.framework
        items = [
            {
                "part": i.part,
                "section": i.section,
                "code": i.code,
                "text": i.text,
                "evidence_types": i.evidence_types,
            }
            for i in old.items.all()
        ] + [{"part": "standard", "section": "6. Local", "code": "6a", "text": "Our own standard"}]
        with pytest.raises(DomainError):
            services.framework_adapt(trust=s.trust, by=s.visitor, items=items, note="x")
        new = services.framework_adapt(trust=s.trust, by=s.admin, items=items, note="Add a local standard")
        assert new.version == old.version + 1 and new.items.count() == old.items.count() + 1
        visit.refresh_from_db()
        assert visit.framework_id == old.pk
        assert services.framework_current(trust=s.trust) == new


def test_seeded_framework_has_every_standard(s):
    with scope(trust=s.trust.pk):
        framework = services.framework_current(trust=s.trust)
        codes = list(framework.items.filter(part="standard").values_list("code", flat=True))
    expected = [f"1{c}" for c in "abcdefghi"] + [f"2{c}" for c in "abcdefg"] + [f"3{c}" for c in "abcdef"]
    expected += [f"4{c}" for c in "abcdef"] + [f"5{c}" for c in "abcd"]
    assert codes == expected
