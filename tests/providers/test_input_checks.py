"""Input checks on providers: postcodes, the CSV import's per-row model checks, evidence dates, and the
profile and evidence markup that keeps long values inside the page."""

from datetime import date
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope

from providers import services
from providers.imports import validate_rows
from providers.models import Evidence, Provider, is_uk_postcode, normalise_postcode
from tests.conftest import sign_in
from tests.factories import MINIMAL_PDF, EvidenceFactory, ProviderFactory
from tests.providers.test_views import PROVIDER_POST
from trusts.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-16 10:00 +0000", tick=False):
        yield


def url(name, **kwargs):
    return reverse(f"providers:{name}", kwargs=kwargs)


# --- Postcodes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("LS1 4AP", "LS1 4AP"),
        ("ls14ap", "LS1 4AP"),
        ("  sw1a   1aa ", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("gir0aa", "GIR 0AA"),
    ],
)
def test_uk_postcodes_are_accepted_and_normalised(given, stored):
    assert is_uk_postcode(given)
    assert normalise_postcode(given) == stored


@pytest.mark.parametrize(
    "given", ["xx", "", "12345", "LS1", "LS1 4A", "LSS1 4AP", "1S1 4AP", "LS1 4APP", "LS1-4AP"]
)
def test_other_postcodes_are_refused(given):
    assert not is_uk_postcode(given)


def test_model_clean_normalises_and_refuses_postcodes(world):
    provider = ProviderFactory.build(trust=world.trust_a, legal_name="Shape Ltd", postcode="ls9 8ab")
    with scope(trust=world.trust_a.pk):
        provider.full_clean()
        assert provider.postcode == "LS9 8AB"
        provider.postcode = "xx"
        with pytest.raises(ValidationError) as refused:
            provider.full_clean()
    assert "postcode" in refused.value.message_dict


class TestProviderFormPostcode:
    def test_bad_postcode_is_a_field_error(self, world, client):
        sign_in(client, world.personas["a.trust_admin"])
        response = client.post(url("provider_create"), {**PROVIDER_POST, "postcode": "xx"})
        assert response.status_code == 200
        assert response.context["form"].errors["postcode"] == ["Enter a UK postcode, for example LS1 4AP."]
        with scope(trust=world.trust_a.pk):
            assert not Provider.objects.filter(legal_name=PROVIDER_POST["legal_name"]).exists()

    def test_postcode_is_stored_upper_case_with_one_space(self, world, client):
        sign_in(client, world.personas["a.trust_admin"])
        response = client.post(url("provider_create"), {**PROVIDER_POST, "postcode": " ls98ab "})
        assert response.status_code == 302
        with scope(trust=world.trust_a.pk):
            assert Provider.objects.get(legal_name=PROVIDER_POST["legal_name"]).postcode == "LS9 8AB"


# --- Import ---------------------------------------------------------------------------------------------

HEADER = "legal_name,address,postcode,contact_name,contact_email,registration_status,risk_level,urn,ukprn\n"


def check(world, text):
    from providers.imports import read_csv

    with scope(trust=world.trust_a.pk):
        rows = validate_rows(trust=world.trust_a, rows=read_csv(text.encode()))
    return {r.line: r.errors for r in rows if r.errors}, rows


class TestImportRowChecks:
    def test_empty_required_values_and_bad_email_are_each_named(self, world):
        bad, _ = check(
            world,
            HEADER
            + "Good Ltd,1 Road,LS1 1AA,A B,a@b.example,unregistered,lower,,\n"
            + ",1 Road,LS1 1AA,A B,not-an-email,unregistered,lower,,\n"
            + "Short row,,,,,unregistered,lower,,\n",
        )
        assert set(bad) == {3, 4}
        assert bad[3] == [
            "legal_name: empty, but a value is required",
            "contact_email: 'not-an-email' is not an e-mail address",
        ]
        assert set(bad[4]) == {
            "address: empty, but a value is required",
            "postcode: empty, but a value is required",
            "contact_name: empty, but a value is required",
            "contact_email: empty, but a value is required",
        }

    def test_model_checks_run_even_when_the_row_has_other_problems(self, world):
        bad, _ = check(
            world,
            HEADER + ",1 Road,xx,A B,nope,write independent_school,sideways,12,99\n",
        )
        errors = " | ".join(bad[2])
        assert "registration_status: write independent_school, state_school or unregistered" in errors
        assert "risk_level: write lower or higher, not 'sideways'" in errors
        assert "legal_name: empty, but a value is required" in errors
        assert "contact_email: 'nope' is not an e-mail address" in errors
        assert "postcode: Enter a UK postcode" in errors
        assert "urn: A URN is 6 to 8 digits." in errors
        assert "ukprn: A UKPRN is 8 digits starting 1." in errors
        # One message per problem: our own wording is not repeated by the model's.
        assert sum(e.startswith("registration_status") for e in bad[2]) == 1

    def test_good_rows_have_normalised_postcodes(self, world):
        bad, rows = check(
            world, HEADER + "Good Ltd,1 Road,ls11aa,A B,a@b.example,unregistered,lower,,10012345\n"
        )
        assert not bad
        assert rows[0].values["postcode"] == "LS1 1AA"

    def test_upload_lists_every_problem_and_imports_nothing(self, world, client):
        sign_in(client, world.personas["a.trust_admin"])
        text = (
            HEADER
            + "Good Ltd,1 Road,LS1 1AA,A B,a@b.example,unregistered,lower,,\n"
            + ",1 Road,LS1 1AA,A B,not-an-email,unregistered,lower,,\n"
        )
        response = client.post(url("provider_import"), {"file": SimpleUploadedFile("p.csv", text.encode())})
        body = response.content.decode()
        assert "Line 3:" in body
        assert "legal_name: empty, but a value is required" in body
        assert "contact_email: &#x27;not-an-email&#x27; is not an e-mail address" in body
        response = client.post(url("provider_import_confirm"), follow=True)
        with scope(trust=world.trust_a.pk):
            assert not Provider.objects.filter(legal_name="Good Ltd").exists()

    def test_commit_refuses_with_line_numbers(self, world):
        rows = [
            {
                "_line": 2,
                "legal_name": "Fine Ltd",
                "address": "1 Road",
                "postcode": "LS1 1AA",
                "contact_name": "A B",
                "contact_email": "a@b.example",
                "registration_status": "unregistered",
            },
            {
                "_line": 3,
                "legal_name": "Broken Ltd",
                "address": "",
                "postcode": "xx",
                "contact_name": "A B",
                "contact_email": "a@b.example",
                "registration_status": "unregistered",
            },
        ]
        with scope(trust=world.trust_a.pk):
            with pytest.raises(DomainError) as refused:
                services.providers_import_commit(
                    trust=world.trust_a, by=world.personas["a.trust_admin"], rows=rows
                )
            assert not Provider.objects.filter(legal_name="Fine Ltd").exists()
        (problem,) = refused.value.problems
        assert problem.startswith("Line 3: ")
        assert "address: empty" in problem and "postcode: Enter a UK postcode" in problem


# --- Evidence dates -------------------------------------------------------------------------------------


class TestEvidenceIssueDate:
    def test_future_issue_date_is_refused_by_the_service(self, world):
        with scope(trust=world.trust_a.pk):
            with pytest.raises(DomainError) as refused:
                services.evidence_upload(
                    provider=world.providers["a"],
                    by=world.personas["a.trust_admin"],
                    evidence_type="complaints_policy",
                    file=SimpleUploadedFile("c.pdf", MINIMAL_PDF),
                    issue_date=date(2030, 1, 1),
                    expiry_date=date(2031, 1, 1),
                )
            assert refused.value.field == "issue_date"
            assert not Evidence.objects.exists()

    @pytest.mark.parametrize(("issued", "ok"), [(date(2026, 11, 16), True), (date(2026, 11, 17), False)])
    def test_today_is_the_latest_issue_date(self, issued, ok):
        problems = services.evidence_problems(
            evidence_type="complaints_policy",
            issue_date=issued,
            expiry_date=date(2027, 11, 1),
            insured_amount=None,
        )
        assert ("issue_date" not in problems) is ok

    def test_the_form_shows_it_next_to_the_field(self, world, client):
        provider = world.providers["a"]
        sign_in(client, world.personas["a.trust_admin"])
        response = client.post(
            url("evidence_upload", provider_pk=provider.pk),
            {
                "evidence_type": "complaints_policy",
                "issue_date": "2030-01-01",
                "expiry_date": "2031-01-01",
                "file": SimpleUploadedFile("c.pdf", MINIMAL_PDF, content_type="application/pdf"),
            },
        )
        assert response.status_code == 200
        assert response.context["form"].errors["issue_date"] == [
            "The issue date cannot be in the future: give the date on the document."
        ]


# --- Markup ---------------------------------------------------------------------------------------------


class TestDetailMarkup:
    def test_contacts_can_wrap_and_there_are_no_inline_styles(self, world, client):
        provider = world.providers["a"]
        with scope(trust=world.trust_a.pk):
            Provider.objects.filter(pk=provider.pk).update(
                contact_email="safeguarding.and.attendance.enquiries@averylongproviderdomainname.example.org"
            )
        EvidenceFactory(provider=provider, evidence_type="complaints_policy", status="pending")
        sign_in(client, world.personas["a.trust_admin"])
        body = client.get(url("provider_detail", provider_pk=provider.pk)).content.decode()
        assert "providers/providers.css" in body
        assert 'class="col-7 provider-contact"' in body
        assert 'class="evidence-actions"' in body and 'class="evidence-reject"' in body
        assert "style=" not in body

    def test_stylesheet_breaks_long_words(self):
        from django.contrib.staticfiles import finders

        css = Path(finders.find("providers/providers.css")).read_text()
        assert ".provider-contact { overflow-wrap: anywhere;" in css
