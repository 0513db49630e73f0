"""The trust-wide report's PDF: built by a task, its progress polled, kept and listed; asked for twice at once,
built once."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from reports import services
from reports.models import ReportRun
from tests.conftest import sign_in
from tests.reports import termly_data
from tests.reports.termly_data import TODAY
from trusts.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(world, time_machine):
    time_machine.move_to(termly_data.at(TODAY), tick=False)
    world.terms = termly_data.calendar(world)
    termly_data.populate(world, 3)
    return world


def _build_url(term):
    return reverse("trust_report_build") + f"?term={term.pk}"


def test_trust_governor_builds_watches_and_downloads(client, data, django_capture_on_commit_callbacks):
    sign_in(client, data.personas["a.trust_governor"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_build_url(data.terms["autumn"]))
    assert response.status_code == 302
    with scopes_disabled():
        run = ReportRun.objects.get()
    assert response["Location"] == reverse("report_run", args=[run.pk])
    # The task is sent on commit and runs eagerly in tests: the run is built by now.
    assert run.status == "done" and run.progress == 100
    assert run.requested_by == data.personas["a.trust_governor"].user
    page = client.get(reverse("report_run", args=[run.pk]), headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert "Download the PDF" in page.content.decode()
    pdf = client.get(reverse("report_run_download", args=[run.pk]))
    assert pdf.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "All schools of the trust" in text
    assert "Schools of the trust" in text
    leaked = [n for n in termly_data.pupil_names(data) if n in text]
    assert not leaked
    listing = client.get(reverse("trust_report") + f"?term={data.terms['autumn'].pk}").content.decode()
    assert run.title in listing


def test_progress_page_polls_while_building(client, data):
    governor = data.personas["a.trust_governor"]
    with scope(trust=data.trust_a.pk), mock.patch("reports.tasks.build_report.delay"):
        run, created = services.report_request(
            by=governor, school=None, start=termly_data.AUTUMN[0], end=termly_data.AUTUMN[1], title="Autumn"
        )
    assert created
    sign_in(client, governor)
    body = client.get(reverse("report_run", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in body and "Waiting to start" in body
    assert client.get(reverse("report_run_download", args=[run.pk])).status_code == 404


def test_the_same_report_asked_twice_at_once_is_built_once(data):
    governor = data.personas["a.trust_governor"]
    admin = data.personas["a.trust_admin"]
    start, end = termly_data.AUTUMN
    with scope(trust=data.trust_a.pk), mock.patch("reports.tasks.build_report.delay") as delay:
        first, created = services.report_request(by=governor, school=None, start=start, end=end, title="A")
        second, created_again = services.report_request(
            by=admin, school=None, start=start, end=end, title="A"
        )
        assert created and not created_again
        assert first.pk == second.pk
        assert delay.call_count == 1
        # The database itself refuses a second run in flight, whatever the code path.
        with pytest.raises(IntegrityError), transaction.atomic():
            ReportRun.objects.create(
                trust=data.trust_a, period_start=start, period_end=end, title="B", key=first.key
            )
        # A claimed run is claimed once: a retried task finds nothing to do.
        assert services.report_run_claim(run_id=first.pk) is not None
        assert services.report_run_claim(run_id=first.pk) is None
        # Once finished, asking again builds a fresh one.
        services.report_run_finish(run=first, pdf=b"%PDF")
        third, created_third = services.report_request(
            by=governor, school=None, start=start, end=end, title="A"
        )
        assert created_third and third.pk != first.pk


def test_a_failed_build_is_marked_failed_not_left_building(data):
    from reports.tasks import build_report

    governor = data.personas["a.trust_governor"]
    with scope(trust=data.trust_a.pk), mock.patch("reports.tasks.build_report.delay"):
        run, _ = services.report_request(
            by=governor, school=None, start=termly_data.AUTUMN[0], end=termly_data.AUTUMN[1], title="A"
        )
    with (
        mock.patch("reports.builder.render_report_pdf", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        build_report(trust_id=data.trust_a.pk, run_id=run.pk)
    with scopes_disabled():
        run.refresh_from_db()
    assert run.status == "failed" and "could not be built" in run.error


def test_school_bound_roles_cannot_ask_for_the_trust_report(data):
    with scope(trust=data.trust_a.pk):
        with pytest.raises(DomainError):
            services.report_request(
                by=data.personas["a.school_governor"],
                school=None,
                start=termly_data.AUTUMN[0],
                end=termly_data.AUTUMN[1],
                title="A",
            )
        with pytest.raises(DomainError):
            services.report_request(
                by=data.personas["a.school_governor"],
                school=data.schools["a2"],
                start=termly_data.AUTUMN[0],
                end=termly_data.AUTUMN[1],
                title="A",
            )
        with pytest.raises(DomainError):
            services.report_request(
                by=data.personas["a.trust_governor"],
                school=None,
                start=termly_data.AUTUMN[1],
                end=termly_data.AUTUMN[0],
                title="A",
            )


def test_runs_of_another_school_or_trust_are_404(client, data):
    with scopes_disabled():
        mine = ReportRun.objects.create(
            trust=data.trust_a,
            school=data.schools["a1"],
            period_start=TODAY,
            period_end=TODAY,
            title="a1",
            key="a1",
            status="done",
            pdf=b"%PDF",
        )
        theirs = ReportRun.objects.create(
            trust=data.trust_a,
            school=data.schools["a2"],
            period_start=TODAY,
            period_end=TODAY,
            title="a2",
            key="a2",
            status="done",
            pdf=b"%PDF",
        )
        trust_wide = ReportRun.objects.create(
            trust=data.trust_a,
            period_start=TODAY,
            period_end=TODAY,
            title="t",
            key="t",
            status="done",
            pdf=b"%PDF",
        )
    sign_in(client, data.personas["a.school_governor"])
    assert client.get(reverse("report_run_download", args=[mine.pk])).status_code == 200
    assert client.get(reverse("report_run_download", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("report_run", args=[trust_wide.pk])).status_code == 404
    sign_in(client, data.personas["b.trust_governor"])
    assert client.get(reverse("report_run", args=[mine.pk])).status_code == 404
    assert client.get(reverse("report_run_download", args=[trust_wide.pk])).status_code == 404


def test_a_run_whose_worker_was_lost_does_not_block_forever(data, time_machine):
    from datetime import timedelta

    governor = data.personas["a.trust_governor"]
    start, end = termly_data.AUTUMN
    with scope(trust=data.trust_a.pk), mock.patch("reports.tasks.build_report.delay"):
        stuck, _ = services.report_request(by=governor, school=None, start=start, end=end, title="A")
        assert services.report_run_claim(run_id=stuck.pk) is not None
        # Soon after, a redelivery claims nothing and a new request joins the run.
        assert services.report_run_claim(run_id=stuck.pk) is None
        again, created = services.report_request(by=governor, school=None, start=start, end=end, title="A")
        assert again.pk == stuck.pk and not created
        time_machine.shift(services.STALE_AFTER + timedelta(minutes=1))
        # Long after, a redelivered task may take it over ...
        assert services.report_run_claim(run_id=stuck.pk) is not None
        time_machine.shift(services.STALE_AFTER + timedelta(minutes=1))
        # ... and a new request is not held up by it.
        fresh, created = services.report_request(by=governor, school=None, start=start, end=end, title="A")
        assert created and fresh.pk != stuck.pk
        stuck.refresh_from_db()
        assert stuck.status == "failed"
