"""The governors' termly report: the page, the PDF and the CSV per school; who may open which; bad input;
no pupil named anywhere; pinned queries that do not grow with pupils, schools or marks."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from reports.models import ReportRun
from tests.conftest import sign_in
from tests.reports import termly_data
from tests.reports.termly_data import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(time_machine):
    time_machine.move_to(termly_data.at(TODAY), tick=False)


@pytest.fixture
def terms(world, today):
    return termly_data.calendar(world)


@pytest.fixture
def data(world, terms):
    termly_data.populate(world, 6)
    return world


def _url(name, school=None, **query):
    from urllib.parse import urlencode

    path = reverse(name, args=[school.pk]) if school is not None else reverse(name)
    return f"{path}?{urlencode(query)}" if query else path


def _page_text(response):
    return response.content.decode()


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _assert_no_pupil(text, world):
    names = termly_data.pupil_names(world)
    assert names, "the data names pupils, so the check means something"
    leaked = [n for n in names if n in text]
    assert not leaked, f"pupil names in the report: {leaked[:5]}"


def test_school_governor_reads_last_term_by_default_without_any_name(client, data, terms):
    sign_in(client, data.personas["a.school_governor"])
    response = client.get(reverse("report_index"))
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 200
    text = _page_text(response)
    assert "Summer term 2025/26" in text
    assert "Pupils in alternative provision" in text
    # 6 pupils at the school in the summer: shown; the two FE destinations are fewer than 5: withheld.
    assert "Pupils in AP" in text and ">6<" in text
    assert "fewer than 5" in text
    _assert_no_pupil(text, data)
    assert "Nameless" not in text and "Hidden" not in text
    assert "2012" not in text  # no date of birth


def test_autumn_figures_attendance_against_earlier_terms_and_costs(client, data, terms):
    sign_in(client, data.personas["a.school_governor"])
    school = data.schools["a1"]
    response = client.get(_url("school_report", school, term=terms["autumn"].pk))
    text = _page_text(response)
    assert response.status_code == 200
    assert "Autumn term 2026/27 (this report)" in text
    assert "Summer term 2025/26" in text  # the earlier term in the comparison
    # 6 pupils, 4 weekly sessions each at £150 a week plus £25 registration: 6 * (600 + 25).
    assert "£3,750.00" in text
    assert "Reviews due" in text and "Behaviour incidents" in text
    assert "Safeguarding concerns: Neglect" in text
    assert 'src="data:image/svg+xml;base64,' in text
    _assert_no_pupil(text, data)


def test_safeguarding_concerns_are_counted_by_category_and_small_counts_hidden(client, data, terms):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.factories import ConcernFactory, PlacementFactory, PupilFactory

    school = data.schools["a1"]
    when = datetime(2026, 10, 5, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    with scopes_disabled():
        for n in range(7):
            placement = PlacementFactory(pupil=PupilFactory(school=school), provider=data.providers["a"])
            ConcernFactory(placement=placement, raised_at=when, category="neglect" if n < 6 else "online")
        # Another school's concern is not this school's figure.
        other = PlacementFactory(pupil=PupilFactory(school=data.schools["a2"]), provider=data.providers["a"])
        ConcernFactory(placement=other, raised_at=when, category="neglect")
    sign_in(client, data.personas["a.school_governor"])
    text = _page_text(client.get(_url("school_report", school, term=terms["autumn"].pk)))
    row = text[text.index("Safeguarding concerns: Neglect") :][:200]
    assert "6" in row and "7" not in row
    online = text[text.index("Safeguarding concerns: Online safety") :][:200]
    assert "fewer than 5" in online
    assert "Said there is no food at home." not in text


def test_school_pdf_has_the_figures_and_no_pupil(client, data, terms):
    sign_in(client, data.personas["a.school_governor"])
    school = data.schools["a1"]
    response = client.get(_url("school_report_pdf", school, term=terms["autumn"].pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "Pupils in alternative provision" in text
    assert "Costs and value for money" in text
    assert "£3,750.00" in text
    assert "No visit yet" in text  # the provider's QA outcome
    _assert_no_pupil(text, data)
    with scopes_disabled():
        run = ReportRun.objects.get(school=school)
    assert run.status == "done" and run.requested_by == data.personas["a.school_governor"].user


def test_csv_has_every_table(client, data, terms):
    sign_in(client, data.personas["a.school_governor"])
    response = client.get(_url("school_report_csv", data.schools["a1"], term=terms["autumn"].pk))
    assert response.status_code == 200
    text = response.content.decode()
    for title in (
        "Pupils in alternative provision",
        "Reasons for referral",
        "Year groups",
        "Needs and circumstances",
        "Planned and achieved outcomes",
        "Attendance at providers, against earlier terms",
        "Attendance week by week",
        "Incidents and safeguarding concerns",
        "Reviews held on time",
        "Providers used",
        "Costs and value for money",
        "Spend by provider",
    ):
        assert title in text
    _assert_no_pupil(text, data)


def test_school_governor_gets_404_for_another_school_and_for_the_trust_report(client, data, terms):
    sign_in(client, data.personas["a.school_governor"])
    other = data.schools["a2"]
    for name in ("school_report", "school_report_pdf", "school_report_csv"):
        assert client.get(_url(name, other)).status_code == 404
    assert client.get(_url("school_report", data.schools["b1"])).status_code == 404
    assert client.get(reverse("trust_report")).status_code == 404
    assert client.post(reverse("trust_report_build")).status_code == 404


def test_trust_governor_reads_each_school_and_the_trust_wide_report(client, data, terms):
    sign_in(client, data.personas["a.trust_governor"])
    for key in ("a1", "a2"):
        assert (
            client.get(_url("school_report", data.schools[key], term=terms["autumn"].pk)).status_code == 200
        )
    response = client.get(_url("trust_report", term=terms["autumn"].pk))
    assert response.status_code == 200
    text = _page_text(response)
    assert "Schools of the trust" in text and data.schools["a2"].name in text
    assert "£7,500.00" in text  # both schools
    assert client.get(_url("school_report", data.schools["b1"])).status_code == 404
    _assert_no_pupil(text, data)


def test_roles_without_the_report_are_refused(client, data, terms):
    for key in ("a.attendance_officer", "a.school_dsl", "a.provider_staff"):
        sign_in(client, data.personas[key])
        assert client.get(_url("school_report", data.schools["a1"])).status_code in (403, 404), key


def test_a_term_with_no_data_is_a_clear_page(client, world, terms):
    sign_in(client, world.personas["a.school_governor"])
    response = client.get(_url("school_report", world.schools["a1"], term=terms["summer"].pk))
    assert response.status_code == 200
    assert "No pupil was in alternative provision in this period" in _page_text(response)
    pdf = client.get(_url("school_report_pdf", world.schools["a1"], term=terms["summer"].pk))
    assert pdf.status_code == 200
    assert "No pupil was in alternative provision" in _pdf_text(pdf.content)


def test_a_range_the_wrong_way_round_is_refused_plainly(client, data, terms):
    sign_in(client, data.personas["a.school_governor"])
    school = data.schools["a1"]
    response = client.get(_url("school_report", school, start="2026-12-01", end="2026-09-01"))
    assert response.status_code == 200
    assert "put the dates the right way round" in _page_text(response)
    response = client.get(_url("school_report_pdf", school, start="2026-12-01", end="2026-09-01"))
    assert response.status_code == 302
    response = client.get(_url("school_report", school, start="2026-09-01"))
    assert "Give both dates of the range" in _page_text(response)
    response = client.get(_url("school_report", school, term="nonsense"))
    assert response.status_code == 200


def test_a_custom_range(client, data, terms):
    sign_in(client, data.personas["a.school_governor"])
    response = client.get(_url("school_report", data.schools["a1"], start="2026-09-01", end="2026-09-30"))
    assert response.status_code == 200
    assert "01 September 2026 to 30 September 2026" in _page_text(response)


def test_no_terms_entered_yet(client, world, today):
    sign_in(client, world.personas["a.school_governor"])
    response = client.get(_url("school_report", world.schools["a1"]))
    assert response.status_code == 200
    assert "No term dates have been entered" in _page_text(response)


def test_governors_hold_neither_evidence_nor_pupils_in_the_table(world):
    from trusts.permissions import has_perm

    for key in ("a.school_governor", "a.trust_governor"):
        governor = world.personas[key]
        assert not has_perm(governor, "evidence.read")
        assert not has_perm(governor, "pupil.read")
        assert has_perm(governor, "provider.read")
        assert has_perm(governor, "report.termly")
    assert has_perm(world.personas["a.trust_admin"], "evidence.read")
    assert has_perm(world.personas["a.provider_staff"], "evidence.read")


def test_governors_cannot_open_pupil_pages_and_read_the_register(client, data, terms):
    with scopes_disabled():
        pupil = data.schools["a1"].pupils.first()
    for key in ("a.school_governor", "a.trust_governor"):
        sign_in(client, data.personas[key])
        assert client.get(reverse("placements:pupil_detail", args=[pupil.pk])).status_code in (403, 404)
        assert (
            client.get(reverse("providers:provider_detail", args=[data.providers["a"].pk])).status_code == 200
        )


def test_governors_cannot_download_provider_evidence(client, data, terms):
    from providers import views as provider_views
    from tests.factories import EvidenceFactory

    if getattr(provider_views.evidence_download, "permission_action", None) != "evidence.read":
        pytest.skip("the evidence download does not read the permissions table's evidence.read yet")
    with scopes_disabled():
        evidence = EvidenceFactory(provider=data.providers["a"])
    for key in ("a.school_governor", "a.trust_governor"):
        sign_in(client, data.personas[key])
        url = reverse("providers:evidence_download", args=[evidence.pk])
        assert client.get(url).status_code in (403, 404), key
    sign_in(client, data.personas["a.trust_admin"])
    assert client.get(reverse("providers:evidence_download", args=[evidence.pk])).status_code == 200


@pytest.mark.parametrize("persona", ["a.school_governor", "a.trust_governor"])
def test_report_queries_do_not_grow(client, world, terms, django_assert_max_num_queries, persona):
    sign_in(client, world.personas[persona])
    school = world.schools["a1"]
    name = "school_report" if persona == "a.school_governor" else "trust_report"
    url = _url(name, school if name == "school_report" else None, term=terms["autumn"].pk)
    termly_data.populate(world, 2, weeks=2)
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        assert client.get(url).status_code == 200
    termly_data.populate(world, 8, start=10, weeks=6)
    with scopes_disabled():
        from tests.factories import SchoolFactory

        SchoolFactory(trust=world.trust_a)  # a third school: the trust report must not query per school
    with django_assert_max_num_queries(30) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_another_trusts_term_is_not_a_choice(client, data, terms):
    from tests.factories import TermFactory

    with scopes_disabled():
        theirs = TermFactory(academic_year__trust=data.trust_b)
    sign_in(client, data.personas["a.school_governor"])
    response = client.get(_url("school_report", data.schools["a1"], term=theirs.pk))
    assert response.status_code == 200
    body = _page_text(response)
    assert "Select a valid choice" in body
    assert data.trust_b.name not in body


def test_run_page_queries_are_pinned(client, data, terms, django_assert_max_num_queries):
    with scopes_disabled():
        run = ReportRun.objects.create(
            trust=data.trust_a,
            school=data.schools["a1"],
            period_start=TODAY,
            period_end=TODAY,
            title="Report",
            key="k",
            status="building",
            progress=40,
        )
    sign_in(client, data.personas["a.school_governor"])
    client.get(reverse("report_run", args=[run.pk]))
    with django_assert_max_num_queries(12):
        body = client.get(
            reverse("report_run", args=[run.pk]), headers={"HX-Request": "true"}
        ).content.decode()
    assert 'value="40"' in body


def test_the_trusts_threshold_sets_what_is_withheld(client, data, terms):
    from trusts.models import TrustPolicy

    with scopes_disabled():
        TrustPolicy.objects.update_or_create(
            trust=data.trust_a, defaults={"report_small_number_threshold": 10}
        )
    sign_in(client, data.personas["a.school_governor"])
    body = _page_text(client.get(_url("school_report", data.schools["a1"], term=terms["autumn"].pk)))
    assert "fewer than 10" in body
    assert "fewer than 5" not in body


def test_pages_without_ids_show_nothing_of_another_trust_or_school(client, data, terms):
    pages = {
        "a.trust_governor": ["trust_report", "trust_report_csv"],
        "a.trust_admin": ["trust_report", "trust_overview", "trust_overview_csv", "invoice_list"],
        "a.school_governor": ["report_index"],
        "a.ap_lead": ["invoice_list", "report_index"],
    }
    for key, names in pages.items():
        membership = data.personas[key]
        sign_in(client, membership)
        for name in names:
            response = client.get(_url(name, term=terms["autumn"].pk), follow=True)
            assert response.status_code == 200, (key, name)
            body = response.content.decode()
            leaked = [m for m in data.markers_for(membership) if m in body]
            assert not leaked, (key, name, leaked)


def test_a_school_s_report_on_an_ended_period_is_shared_by_its_readers(client, data, terms):
    from reports.builder import report_snapshot
    from reports.termly import custom_period

    period = custom_period(date(2026, 9, 1), date(2026, 9, 30))
    school = data.schools["a1"]
    governor, head = data.personas["a.school_governor"], data.personas["a.headteacher"]
    with scope(trust=data.trust_a.pk):
        first = report_snapshot(governor, school=school, period=period, today=date(2026, 11, 23))
        again = report_snapshot(head, school=school, period=period, today=date(2026, 11, 23))
        # A period still running is built for the school's staff on each request.
        running = report_snapshot(
            governor,
            school=school,
            period=custom_period(date(2026, 11, 1), date(2026, 11, 30)),
            today=date(2026, 11, 23),
        )
    assert first.as_of is not None and again.as_of == first.as_of
    assert again.value.period == first.value.period
    assert running.as_of is None
    sign_in(client, governor)
    body = client.get(_url("school_report", school, start="2026-09-01", end="2026-09-30")).content.decode()
    assert 'data-testid="figures-as-of"' in body
