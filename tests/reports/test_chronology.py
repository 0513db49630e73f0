"""A pupil's chronology for the DSL: everything in date order, filterable, as a page, a PDF and a CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from placements.safeguarding import services
from tests.conftest import sign_in
from tests.factories import (
    AbsenceFollowUpFactory,
    BehaviourIncidentFactory,
    ExpectedSessionFactory,
    PlacementFactory,
    PupilFactory,
    RegisterMarkFactory,
)
from trusts.models import AccessLog

NOW = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)


@pytest.fixture
def story(world, time_machine):
    time_machine.move_to(NOW, tick=False)
    with scopes_disabled():
        pupil = PupilFactory(school=world.schools["a1"], legal_first_name="Tia", legal_last_name="Marsh")
        placement = PlacementFactory(
            pupil=pupil,
            provider=world.providers["a"],
            status="active",
            start_date=date(2026, 11, 2),
            proposed_at=datetime(2026, 10, 20, 9, 0, tzinfo=UTC),
            activated_at=datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
        )
        BehaviourIncidentFactory(
            placement=placement,
            occurred_at=datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
            description="Kicked a door.",
        )
        session = ExpectedSessionFactory(placement=placement, date=date(2026, 11, 26), session="am")
        RegisterMarkFactory(expected_session=session, status="absent", absence_reason="Mum rang: ill")
        AbsenceFollowUpFactory(
            expected_session=session,
            contacted_by="Ms Reid",
            contacted_at=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
            outcome="reason_given",
            reason="Sick",
            code="I",
            closed_at=datetime(2026, 11, 26, 10, 5, tzinfo=UTC),
        )
    with scope(trust=world.trust_a.pk):
        concern = services.concern_raise(
            by=world.personas["a.provider_staff"],
            placement=placement,
            category="exploitation",
            account="An older male picks her up; she is scared of him.",
            occurred_at=NOW - timedelta(hours=1),
        )
        services.concern_action_record(
            by=world.personas["a.school_dsl"],
            concern=concern,
            description="Strategy meeting with social care",
        )
    return pupil


def _logged(pupil, action):
    with scopes_disabled():
        return AccessLog.objects.filter(subject_id=pupil.pk, action=action).count()


def _url(name, pupil, query=""):
    return reverse(name, kwargs={"pupil_pk": pupil.pk}) + query


def test_the_chronology_lists_everything_in_date_order(client, world, story):
    sign_in(client, world.personas["a.school_dsl"])
    response = client.get(_url("pupil_chronology", story))
    titles = [e.title for e in response.context["entries"]]
    assert titles == [
        "Placement proposed",
        "Placement started",
        "Behaviour incident: Damage to property",
        "Absent (morning)",
        "Absence followed up: Parent gave a reason",
        "Safeguarding concern: Exploitation (CCE, CSE, county lines)",
        "Concern acknowledged by the DSL",
        "Action on a concern",
    ]
    assert _logged(story, "viewed the chronology") == 1


def test_the_chronology_filters_by_kind_and_date(client, world, story):
    sign_in(client, world.personas["a.trust_dsl"])
    entries = client.get(_url("pupil_chronology", story, "?kind=concern&kind=incident")).context["entries"]
    assert {e.kind for e in entries} == {"concern", "incident"}
    entries = client.get(_url("pupil_chronology", story, "?start=2026-11-26&end=2026-11-30")).context[
        "entries"
    ]
    assert [e.kind for e in entries] == ["absence", "absence"]
    response = client.get(_url("pupil_chronology", story, "?start=2026-12-01&end=2026-11-01"))
    assert "The end date comes before the start." in response.content.decode()
    response = client.get(_url("pupil_chronology", story, "?kind=gossip"))
    assert response.status_code == 200


def test_the_chronology_as_csv_and_pdf(client, world, story):
    sign_in(client, world.personas["a.school_dsl"])
    response = client.get(_url("pupil_chronology_csv", story))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0]["kind"] == "Placement change" and rows[-1]["what"] == "Action on a concern"
    assert rows[-1]["detail"] == "Strategy meeting with social care"
    response = client.get(_url("pupil_chronology_pdf", story, "?kind=concern"))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Tia Marsh" in text and "scared of him" in text and "Kicked a door" not in text
    assert _logged(story, "printed the chronology (PDF)") == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("a.headteacher", 403),
        ("a.school_governor", 403),
        ("a.provider_staff", 403),
        ("a2.school_dsl", 404),
        ("b.school_dsl", 404),
    ],
)
def test_only_the_pupils_dsls_open_the_chronology(client, world, story, persona, status):
    sign_in(client, world.personas[persona])
    for name in ("pupil_chronology", "pupil_chronology_csv", "pupil_chronology_pdf"):
        assert client.get(_url(name, story)).status_code == status


@pytest.mark.parametrize("rows", [2, 8])
def test_the_chronology_query_count_is_pinned(client, world, story, rows, django_assert_num_queries):
    with scopes_disabled():
        placement = story.placements.first()
        for n in range(rows):
            BehaviourIncidentFactory(placement=placement, occurred_at=NOW - timedelta(days=n + 1))
    sign_in(client, world.personas["a.school_dsl"])
    url = _url("pupil_chronology", story)
    client.get(url)
    # sign-in, the pupil, the access log row, one query for each part of the chronology (six), the nav: the
    # same for 2 incidents as for 8.
    with django_assert_num_queries(11):
        client.get(url)
