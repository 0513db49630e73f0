import io
import uuid
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from providers import services
from providers.models import ApprovalEvent, ChecklistAnswer, Evidence, Provider, ProviderChecklist
from tests.conftest import sign_in
from tests.factories import MINIMAL_PDF, EvidenceFactory, ProviderFactory
from tests.providers.conftest import make_ready

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-16 10:00 +0000", tick=False):
        yield


def url(name, **kwargs):
    return reverse(f"providers:{name}", kwargs=kwargs)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


PROVIDER_POST = {
    "legal_name": "Moorside Motor Skills Ltd",
    "trading_name": "Moorside Motors",
    "address": "Unit 4, Moor Lane, Leeds",
    "postcode": "LS9 8AB",
    "contact_name": "Kim Lowe",
    "contact_email": "kim@moorside.example",
    "registration_status": "unregistered",
    "risk_level": "higher",
    "risk_categories": ["motor_vehicles", "workshop"],
    "cost_per_day": "95.00",
}


class TestList:
    def test_query_count_does_not_grow_with_rows(self, world, client, django_assert_num_queries):
        sign_in(client, world.personas["a.trust_admin"])
        client.get(url("provider_list"))  # warm the session and content types

        def count_queries():
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url("provider_list"))
            assert response.status_code == 200
            return len(ctx.captured_queries)

        ProviderFactory(trust=world.trust_a, legal_name="Extra 0")
        three = count_queries()
        for n in range(1, 8):
            EvidenceFactory(provider=ProviderFactory(trust=world.trust_a, legal_name=f"Extra {n}"))
        ten = count_queries()
        assert three == ten
        with django_assert_num_queries(ten):
            client.get(url("provider_list"))
        assert ten == PROVIDER_LIST_QUERIES

    def test_search_filter_and_sort(self, world, client):
        ProviderFactory(
            trust=world.trust_a, legal_name="Aardvark Farm CIC", status="approved", risk_level="higher"
        )
        sign_in(client, world.personas["a.ap_lead"])
        body = client.get(url("provider_list"), {"q": "aardvark"}).content.decode()
        assert "Aardvark Farm CIC" in body and "Alderley Skills Centre Ltd" not in body
        body = client.get(url("provider_list"), {"status": "approved"}).content.decode()
        assert "Aardvark Farm CIC" in body and "Alderley Skills Centre Ltd" not in body
        body = client.get(url("provider_list"), {"risk_level": "lower"}).content.decode()
        assert "Aardvark Farm CIC" not in body
        body = client.get(url("provider_list"), {"sort": "-name"}).content.decode()
        assert (
            body.index("Quillon Marker Provider")
            < body.index("Alderley Skills Centre")
            < body.index("Aardvark")
        )
        assert "Zebedee" not in body

    def test_pagination(self, world, client):
        for n in range(30):
            ProviderFactory(trust=world.trust_a, legal_name=f"Bulk {n:02d}")
        sign_in(client, world.personas["a.trust_admin"])
        response = client.get(url("provider_list"), {"page": 2})
        assert "Page 2 of 2" in response.content.decode()

    def test_provider_staff_refused(self, world, client, staff):
        sign_in(client, staff)
        assert client.get(url("provider_list")).status_code == 403

    def test_each_row_counts_its_own_evidence(self, world, client):
        counted = ProviderFactory(trust=world.trust_a, legal_name="Aardvark Farm CIC")
        EvidenceFactory(provider=counted, expiry_date=date(2026, 11, 1))  # run out: not the next expiry
        EvidenceFactory(provider=counted, expiry_date=date(2027, 3, 1))
        EvidenceFactory(provider=counted, expiry_date=date(2027, 2, 1), status=Evidence.Status.PENDING)
        none = ProviderFactory(trust=world.trust_a, legal_name="Aardwolf Skills Ltd")
        sign_in(client, world.personas["a.trust_admin"])
        response = client.get(url("provider_list"), {"q": "aard"})
        rows = {p.pk: p for p in response.context["page"].object_list}
        assert (rows[counted.pk].evidence_count, rows[counted.pk].pending_evidence) == (3, 1)
        # The latest expiry still to come, as the register has always sorted it.
        assert rows[counted.pk].next_expiry == date(2027, 3, 1)
        assert (rows[none.pk].evidence_count, rows[none.pk].pending_evidence, rows[none.pk].next_expiry) == (
            0,
            0,
            None,
        )
        body = response.content.decode()
        assert f'<a href="{url("provider_detail", provider_pk=counted.pk)}">Aardvark Farm CIC</a>' in body
        assert "3 documents" in body and "1 to verify" in body
        soonest = client.get(url("provider_list"), {"q": "aard", "sort": "next_expiry"})
        assert [p.pk for p in soonest.context["page"].object_list][0] == counted.pk


# User, TOTP device, page count, unread badge, the page's rows (the session and the memberships come from the
# cache, and the session is refreshed once a minute): fixed whatever the number of providers and documents.
PROVIDER_LIST_QUERIES = 5


class TestCreateAndEdit:
    def test_trust_admin_creates_a_draft(self, world, client):
        sign_in(client, world.personas["a.trust_admin"])
        response = client.post(url("provider_create"), PROVIDER_POST)
        with scope(trust=world.trust_a.pk):
            provider = Provider.objects.get(legal_name="Moorside Motor Skills Ltd")
        assert response.status_code == 302
        assert response["Location"] == url("provider_detail", provider_pk=provider.pk)
        assert provider.status == "draft"
        assert provider.risk_categories == ["motor_vehicles", "workshop"]

    def test_bad_input_gets_field_errors_and_saves_nothing(self, world, client):
        sign_in(client, world.personas["a.trust_admin"])
        data = {
            **PROVIDER_POST,
            "registration_status": "independent_school",
            "urn": "",
            "ukprn": "123",
            "contact_email": "not-an-email",
            "cost_per_day": "ninety",
            "risk_categories": [],
        }
        response = client.post(url("provider_create"), data)
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert set(errors) >= {"urn", "ukprn", "contact_email", "cost_per_day", "risk_categories"}
        with scopes_disabled():
            assert not Provider.objects.filter(legal_name="Moorside Motor Skills Ltd").exists()

    def test_duplicate_name_in_trust_is_a_field_error(self, world, client):
        sign_in(client, world.personas["a.trust_admin"])
        response = client.post(
            url("provider_create"), {**PROVIDER_POST, "legal_name": "Alderley Skills Centre Ltd"}
        )
        assert response.status_code == 200
        assert response.context["form"].errors

    @pytest.mark.parametrize("persona", ["a.ap_lead", "a.headteacher", "a.trust_dsl", "a.provider_staff"])
    def test_other_roles_cannot_create_or_edit(self, world, client, persona):
        sign_in(client, world.personas[persona])
        assert client.get(url("provider_create")).status_code == 403
        provider = world.providers["a"]
        assert client.post(url("provider_edit", provider_pk=provider.pk), PROVIDER_POST).status_code == 403

    def test_edit(self, world, client):
        provider = world.providers["a"]
        sign_in(client, world.personas["a.trust_admin"])
        response = client.post(
            url("provider_edit", provider_pk=provider.pk), {**PROVIDER_POST, "legal_name": "Renamed Ltd"}
        )
        assert response.status_code == 302
        provider.refresh_from_db()
        assert provider.legal_name == "Renamed Ltd"


class TestDetail:
    def test_school_side_sees_every_tab(self, world, client):
        sign_in(client, world.personas["a.ap_lead"])
        body = client.get(url("provider_detail", provider_pk=world.providers["a"].pk)).content.decode()
        for tab in ("Profile", "Evidence", "Checklist", "Approval", "Registration rule"):
            assert tab in body
        assert "Within the rule" in body

    def test_detail_query_count_is_fixed(self, world, client, django_assert_max_num_queries):
        provider = world.providers["a"]
        for code in ("safeguarding_policy", "first_aid_policy", "complaints_policy"):
            EvidenceFactory(provider=provider, evidence_type=code)
        sign_in(client, world.personas["a.trust_admin"])
        client.get(url("provider_detail", provider_pk=provider.pk))
        with django_assert_max_num_queries(30):
            client.get(url("provider_detail", provider_pk=provider.pk))

    def test_provider_staff_see_profile_and_evidence_only(self, world, client, staff):
        EvidenceFactory(provider=world.providers["a"], evidence_type="complaints_policy")
        sign_in(client, staff)
        response = client.get(reverse("providers:my_provider"))
        assert response["Location"] == url("provider_detail", provider_pk=world.providers["a"].pk)
        body = client.get(response["Location"]).content.decode()
        assert "Complaints procedure" in body
        assert "Registration rule" not in body and "History" not in body
        assert "Quillon" not in body
        assert (
            client.get(url("provider_detail", provider_pk=world.providers["a_other"].pk)).status_code == 404
        )
        assert client.get(url("checklist_answer", provider_pk=world.providers["a"].pk)).status_code == 403

    def test_provider_staff_of_another_provider_get_404(self, world, client):
        sign_in(client, world.personas["a.provider_staff"])
        assert client.get(url("provider_detail", provider_pk=world.providers["a"].pk)).status_code == 200
        assert (
            client.get(url("provider_detail", provider_pk=world.providers["a_other"].pk)).status_code == 404
        )

    def test_provider_dashboard_links_to_the_provider(self, world, client, staff):
        sign_in(client, staff)
        body = client.get(reverse("provider_dashboard")).content.decode()
        assert reverse("providers:my_provider") in body

    def test_staff_add_gives_a_membership_of_the_provider(self, world, client):
        provider = world.providers["a"]
        sign_in(client, world.personas["a.trust_admin"])
        response = client.post(
            url("staff_add", provider_pk=provider.pk),
            {"first_name": "Jo", "last_name": "Reed", "email": "jo@skills.example"},
        )
        assert response.status_code == 302
        with scopes_disabled():
            from trusts.models import Membership

            membership = Membership.objects.get(user__email="jo@skills.example")
        assert membership.role == "provider_staff" and membership.provider == provider
        assert services.is_provider_staff_of(membership, provider)
        assert not services.is_provider_staff_of(membership, world.providers["a_other"])


class TestEvidenceViews:
    def post_evidence(self, client, provider, name="policy.pdf", data=MINIMAL_PDF, **overrides):
        fields = {
            "evidence_type": "safeguarding_policy",
            "issue_date": "2026-09-01",
            "expiry_date": "2027-08-31",
            "file": SimpleUploadedFile(name, data),
            **overrides,
        }
        return client.post(url("evidence_upload", provider_pk=provider.pk), fields)

    def test_upload_and_download(self, world, client):
        provider = world.providers["a"]
        sign_in(client, world.personas["a.trust_admin"])
        response = self.post_evidence(client, provider)
        assert response.status_code == 302
        with scope(trust=world.trust_a.pk):
            evidence = Evidence.objects.get(provider=provider)
        assert evidence.status == "verified"
        download = client.get(url("evidence_download", evidence_pk=evidence.pk))
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith('attachment; filename="policy.pdf"')
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Type"] == "application/pdf"
        assert b"".join(download.streaming_content) == MINIMAL_PDF

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"name": "policy.pdf", "data": b"MZ\x90\x00 a program"}, "file", "Upload a PDF"),
            ({"expiry_date": "2026-08-01"}, "expiry_date", "after the issue date"),
            ({"expiry_date": ""}, "expiry_date", "give its expiry date"),
            (
                {"evidence_type": "public_liability_insurance", "insured_amount": "five million"},
                "insured_amount",
                "in pounds",
            ),
            ({"evidence_type": "public_liability_insurance"}, "insured_amount", "amount insured"),
            ({"issue_date": "31/02/2026"}, "issue_date", "valid date"),
        ],
    )
    def test_bad_input_is_a_field_error(self, world, client, overrides, field, message):
        sign_in(client, world.personas["a.trust_admin"])
        name = overrides.pop("name", "policy.pdf")
        data = overrides.pop("data", MINIMAL_PDF)
        response = self.post_evidence(client, world.providers["a"], name=name, data=data, **overrides)
        assert response.status_code == 200
        assert message in " ".join(response.context["form"].errors[field])
        with scopes_disabled():
            assert not Evidence.objects.exists()

    def test_staff_upload_waits_then_admin_verifies(self, world, client, staff):
        provider = world.providers["a"]
        sign_in(client, staff)
        assert self.post_evidence(client, provider).status_code == 302
        assert self.post_evidence(client, world.providers["a_other"]).status_code == 404
        with scope(trust=world.trust_a.pk):
            evidence = Evidence.objects.get(provider=provider)
        assert evidence.status == "pending"
        assert client.post(url("evidence_verify", evidence_pk=evidence.pk)).status_code == 403
        assert client.get(url("evidence_download", evidence_pk=evidence.pk)).status_code == 200
        client.logout()
        sign_in(client, world.personas["a.ap_lead"])
        assert client.post(url("evidence_verify", evidence_pk=evidence.pk)).status_code == 403
        sign_in(client, world.personas["a.trust_admin"])
        assert client.post(url("evidence_verify", evidence_pk=evidence.pk)).status_code == 302
        evidence.refresh_from_db()
        assert evidence.status == "verified"

    def test_staff_cannot_download_another_providers_evidence(self, world, client, staff):
        other = EvidenceFactory(provider=world.providers["a_other"])
        sign_in(client, staff)
        assert client.get(url("evidence_download", evidence_pk=other.pk)).status_code == 404


class TestChecklistAndApproval:
    def test_answer_checklist(self, world, client):
        provider = world.providers["a"]
        sign_in(client, world.personas["a.trust_admin"])
        page = client.get(url("checklist_answer", provider_pk=provider.pk))
        rows = page.context["form"].rows
        first, second = rows[0][0], rows[1][0]
        with scope(trust=world.trust_a.pk):
            # Opening the page starts nothing; the first save does.
            assert not ProviderChecklist.objects.filter(provider=provider).exists()
        response = client.post(
            url("checklist_answer", provider_pk=provider.pk),
            {f"answer_{first.code}": "yes", f"answer_{second.code}": "no", f"comment_{second.code}": ""},
        )
        assert response.status_code == 200
        assert "Say why the answer is no." in response.context["form"].errors[f"comment_{second.code}"]
        response = client.post(
            url("checklist_answer", provider_pk=provider.pk),
            {
                f"answer_{first.code}": "yes",
                f"answer_{second.code}": "no",
                f"comment_{second.code}": "Not seen",
            },
        )
        assert response.status_code == 302
        with scope(trust=world.trust_a.pk):
            assert ChecklistAnswer.objects.filter(answer="yes").count() == 1
            assert ChecklistAnswer.objects.get(answer="no").comment == "Not seen"

    def test_read_only_for_other_school_roles(self, world, client):
        provider = world.providers["a"]
        sign_in(client, world.personas["a.headteacher"])
        assert client.get(url("checklist_answer", provider_pk=provider.pk)).status_code == 200
        assert client.post(url("checklist_answer", provider_pk=provider.pk), {}).status_code == 403

    def test_approval_refused_with_every_problem_then_granted(self, world, client):
        provider = world.providers["a"]
        admin = world.personas["a.trust_admin"]
        sign_in(client, admin)
        client.post(url("provider_submit", provider_pk=provider.pk))
        response = client.post(
            url("provider_approve", provider_pk=provider.pk), {"approved_until": "2027-07-31"}, follow=True
        )
        texts = [str(m) for m in response.context["messages"]]
        assert any("cannot be approved yet" in t for t in texts)
        assert "Safeguarding and child protection policy: missing." in texts
        provider.refresh_from_db()
        assert provider.status == "submitted"
        with scope(trust=world.trust_a.pk):
            make_ready(provider, admin)
        response = client.post(
            url("provider_approve", provider_pk=provider.pk),
            {
                "approved_until": "2027-07-31",
                "condition_1": "Fire drill log",
                "condition_1_due": "2026-12-18",
            },
        )
        assert response.status_code == 302
        provider.refresh_from_db()
        assert provider.status == "approved_with_conditions"

    def test_approve_form_field_errors(self, world, client):
        sign_in(client, world.personas["a.trust_admin"])
        response = client.post(
            url("provider_approve", provider_pk=world.providers["a"].pk),
            {"approved_until": "soon", "condition_1": "Fire drill log"},
        )
        assert response.status_code == 200
        assert set(response.context["form"].errors) == {"approved_until", "condition_1_due"}

    def test_reject_needs_reason(self, world, client):
        provider = world.providers["a"]
        sign_in(client, world.personas["a.trust_admin"])
        client.post(url("provider_submit", provider_pk=provider.pk))
        client.post(url("provider_reject", provider_pk=provider.pk), {"reason": ""})
        provider.refresh_from_db()
        assert provider.status == "submitted"
        client.post(url("provider_reject", provider_pk=provider.pk), {"reason": "No DSL on site"})
        provider.refresh_from_db()
        assert provider.status == "rejected"
        with scope(trust=world.trust_a.pk):
            assert ApprovalEvent.objects.filter(provider=provider, reason="No DSL on site").exists()

    @pytest.mark.parametrize(
        "name", ["provider_submit", "provider_reject", "provider_suspend", "provider_approve"]
    )
    def test_only_trust_admins_act(self, world, client, name):
        sign_in(client, world.personas["a.trust_dsl"])
        assert client.post(url(name, provider_pk=world.providers["a"].pk), {"reason": "x"}).status_code == 403


class TestPdfs:
    def test_blank_checklist(self, world, client):
        provider = world.providers["a"]
        sign_in(client, world.personas["a.ap_lead"])
        response = client.get(url("checklist_blank_pdf", provider_pk=provider.pk))
        assert response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content)
        assert "Vetting checklist for a visit: Alderley Skills Centre Ltd" in text
        assert "Pre-placement checks" in text and "Visited by" in text
        assert "The provider is listed in the local authority" in text

    def test_blank_checklist_is_drawn_once_and_again_when_what_it_shows_changes(
        self, world, client, monkeypatch
    ):
        from trusts import pdf

        drawn = []
        draw = pdf.html_to_pdf
        monkeypatch.setattr(pdf, "html_to_pdf", lambda html: drawn.append(html) or draw(html))
        admin = world.personas["a.trust_admin"]
        with scope(trust=world.trust_a.pk):
            # A name of its own: the store outlives a test run, and what it keys on is the document's content.
            provider = ProviderFactory(
                trust=world.trust_a, legal_name=f"Stored Checklist {uuid.uuid4().hex} Ltd"
            )
        sign_in(client, admin)
        blank = url("checklist_blank_pdf", provider_pk=provider.pk)

        first = client.get(blank).content
        assert client.get(blank).content == first
        assert len(drawn) == 1  # the second came from the store

        # The trust changes its checklist: the next one is drawn again, with the new question.
        with scope(trust=world.trust_a.pk):
            services.checklist_template_adapt(
                trust=world.trust_a,
                by=admin,
                note="A trust visit first.",
                add=[
                    {
                        "section": "pre_placement",
                        "code": "pre_trust_visit",
                        "text": "A trust officer visited.",
                    }
                ],
            )
        changed = client.get(blank).content
        assert len(drawn) == 2 and "A trust officer visited." in pdf_text(changed)
        assert "A trust officer visited." not in pdf_text(first)

        # The provider's details change: drawn again.
        with scope(trust=world.trust_a.pk):
            Provider.objects.filter(pk=provider.pk).update(legal_name=f"Renamed {provider.legal_name}")
        assert "Renamed Stored Checklist" in pdf_text(client.get(blank).content)
        assert len(drawn) == 3

        # Another day: printed again with that day's date.
        with time_machine.travel(date(2031, 3, 4)), scope(trust=world.trust_a.pk):
            from providers.documents import blank_checklist_pdf

            provider.refresh_from_db()
            assert "printed 4 March 2031" in pdf_text(blank_checklist_pdf(provider))
        assert len(drawn) == 4

    def test_completed_record_with_answers_evidence_and_decision(self, world, client):
        provider = world.providers["a"]
        admin = world.personas["a.trust_admin"]
        with scope(trust=world.trust_a.pk):
            from providers import services

            make_ready(provider, admin)
            services.provider_submit(provider=provider, by=admin)
            services.provider_approve(
                provider=provider, by=admin, approved_until=date(2027, 7, 31), reason="Visit went well"
            )
        sign_in(client, admin)
        text = pdf_text(client.get(url("checklist_completed_pdf", provider_pk=provider.pk)).content)
        assert "Vetting record: Alderley Skills Centre Ltd" in text
        assert "Yes" in text
        assert "Public liability insurance certificate" in text and "£5,000,000" in text
        assert "Approved" in text and "31 July 2027" in text and "Visit went well" in text


class TestImport:
    HEADER = "legal_name,address,postcode,contact_name,contact_email,registration_status,cost_per_day,la_directory_listed\n"

    def upload(self, client, text):
        return client.post(
            url("provider_import"), {"file": SimpleUploadedFile("providers.csv", text.encode())}
        )

    def test_preview_then_commit(self, world, client):
        sign_in(client, world.personas["a.trust_admin"])
        csv_text = self.HEADER + (
            'Riverbank Farm CIC,"1 Farm Lane, Otley",LS21 1AA,Sam Hill,sam@farm.example,unregistered,80,yes\n'
            "Hilltop School,2 Hill Rd,LS2 2BB,Ann Bell,ann@hill.example,Registered independent school,,no\n"
        )
        response = self.upload(client, csv_text)
        assert response.status_code == 200
        # The registered school has no URN: the preview names it.
        assert response.context["bad_rows"][0].line == 3
        assert "urn" in response.context["bad_rows"][0].errors[0]
        assert client.post(url("provider_import_confirm")).status_code == 302
        with scope(trust=world.trust_a.pk):
            assert not Provider.objects.filter(legal_name="Riverbank Farm CIC").exists()
        csv_text = csv_text.replace("school,,no", "school,,no").replace(
            "Hilltop School,2 Hill Rd", "Hilltop School,2 Hill Rd"
        )
        good = self.HEADER.replace("\n", ",urn\n") + (
            'Riverbank Farm CIC,"1 Farm Lane, Otley",LS21 1AA,Sam Hill,sam@farm.example,unregistered,80,yes,\n'
            "Hilltop School,2 Hill Rd,LS2 2BB,Ann Bell,ann@hill.example,independent_school,,no,123456\n"
        )
        response = self.upload(client, good)
        assert not response.context["bad_rows"]
        response = client.post(url("provider_import_confirm"))
        assert response.status_code == 302
        with scope(trust=world.trust_a.pk):
            farm = Provider.objects.get(legal_name="Riverbank Farm CIC")
            assert farm.cost_per_day == 80 and farm.la_directory_listed and farm.status == "draft"
            assert Provider.objects.get(legal_name="Hilltop School").urn == "123456"

    def test_every_bad_row_is_named(self, world, client):
        sign_in(client, world.personas["a.trust_admin"])
        csv_text = self.HEADER + (
            "Good One Ltd,1 Road,LS1 1AA,A B,a@b.example,unregistered,10,no\n"
            ",1 Road,LS1 1AA,A B,a@b.example,unregistered,10,no\n"
            "Bad Money Ltd,1 Road,LS1 1AA,A B,a@b.example,unregistered,ten pounds,maybe\n"
            "Alderley Skills Centre Ltd,1 Road,LS1 1AA,A B,not-an-email,nonsense,,no\n"
            "Good One Ltd,1 Road,LS1 1AA,A B,a@b.example,unregistered,10,no\n"
        )
        response = self.upload(client, csv_text)
        bad = {r.line: " ".join(r.errors) for r in response.context["bad_rows"]}
        assert set(bad) == {3, 4, 5, 6}
        assert "legal_name" in bad[3]
        assert "not an amount of money" in bad[4] and "yes or no" in bad[4]
        assert "registration_status" in bad[5]
        assert "already on line 2" in bad[6]
        body = response.content.decode()
        assert "Line 4:" in body
        with scope(trust=world.trust_a.pk):
            assert not Provider.objects.filter(legal_name="Good One Ltd").exists()

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"name,town\nA,B\n", "Columns missing"),
            (b"\xff\xfe\x00garbage", "UTF-8"),
            (b"", "empty"),
        ],
    )
    def test_unreadable_files(self, world, client, content, message):
        sign_in(client, world.personas["a.trust_admin"])
        response = client.post(url("provider_import"), {"file": SimpleUploadedFile("p.csv", content)})
        assert response.status_code == 200
        assert message in " ".join(response.context["form"].errors["file"])

    def test_commit_rechecks_rows(self, world, client):
        sign_in(client, world.personas["a.trust_admin"])
        self.upload(client, self.HEADER + "Late Ltd,1 Road,LS1 1AA,A B,a@b.example,unregistered,,no\n")
        ProviderFactory(trust=world.trust_a, legal_name="Late Ltd")
        response = client.post(url("provider_import_confirm"), follow=True)
        texts = [str(m) for m in response.context["messages"]]
        assert any("Nothing was imported" in t for t in texts)
        assert any("Line 2" in t for t in texts)

    def test_only_trust_admins_import(self, world, client):
        sign_in(client, world.personas["a.ap_lead"])
        assert client.get(url("provider_import")).status_code == 403
        assert client.post(url("provider_import_confirm")).status_code == 403


class TestChecklistTemplate:
    def test_trust_admin_adapts_the_checklist_as_a_new_version(self, world, client):
        sign_in(client, world.personas["a.trust_admin"])
        page = client.get(url("checklist_template"))
        form = page.context["form"]
        data = {name: field.initial for name, field in form.fields.items() if field.initial is not None}
        data = {k: v for k, v in data.items() if v is not False}
        first, second = form.items[0], form.items[1]
        data[f"text_{first.code}"] = "The provider appears in the council's AP directory."
        data[f"remove_{second.code}"] = "on"
        data.update(
            {
                "new_section": "supporting_documentation",
                "new_text": "The provider has a named governor or trustee for safeguarding.",
                "new_applies_to": "all",
                "new_required": "on",
                "note": "Local wording; registration question merged; safeguarding trustee added.",
            }
        )
        response = client.post(url("checklist_template"), data)
        assert response.status_code == 302
        with scope(trust=world.trust_a.pk):
            from providers.models import ChecklistItem, ChecklistTemplate

            current = ChecklistTemplate.objects.get(is_current=True)
            assert current.version == 2
            codes = set(ChecklistItem.objects.filter(template=current).values_list("code", flat=True))
            assert second.code not in codes
            assert ChecklistItem.objects.get(template=current, code=first.code).text.startswith(
                "The provider appears"
            )
            added = ChecklistItem.objects.get(template=current, text__contains="named governor")
            assert added.required and added.section.code == "supporting_documentation"

    def test_note_is_required_and_other_roles_refused(self, world, client):
        sign_in(client, world.personas["a.trust_admin"])
        response = client.post(url("checklist_template"), {})
        assert response.status_code == 200
        assert "note" in response.context["form"].errors
        sign_in(client, world.personas["a.trust_dsl"])
        assert client.get(url("checklist_template")).status_code == 403


def test_an_empty_checklist_post_clears_nothing(world, client):
    provider = world.providers["a"]
    admin = world.personas["a.trust_admin"]
    with scope(trust=world.trust_a.pk):
        from tests.providers.conftest import answer_checklist

        answer_checklist(provider, admin)
    sign_in(client, admin)
    assert client.post(url("checklist_answer", provider_pk=provider.pk), {}).status_code == 302
    with scope(trust=world.trust_a.pk):
        assert not ChecklistAnswer.objects.filter(answer="").exists()
