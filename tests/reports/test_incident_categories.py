"""Behaviour incidents counted by category in the termly report (page, PDF, CSV) with the trust's small-number
suppression, and named by category in the chronology."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from placements.models import BehaviourIncident
from reports.termly import Period, incident_counts
from tests.conftest import sign_in
from tests.factories import BehaviourIncidentFactory
from tests.reports import termly_data
from tests.reports.termly_data import TODAY

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 10, 7, 10, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture
def terms(world, time_machine):
    time_machine.move_to(termly_data.at(TODAY), tick=False)
    return termly_data.calendar(world)


@pytest.fixture
def incidents(world, terms):
    """At school a1 in the autumn term: six absconding incidents (one per running placement), two of damage
    and, at a2, one recorded before categories existed."""
    made = termly_data.populate(world, 6)
    a1 = [running for ended, running in made if running.school_id == world.schools["a1"].pk]
    a2 = [running for ended, running in made if running.school_id == world.schools["a2"].pk]
    with scopes_disabled():
        for placement in a1[:2]:
            BehaviourIncidentFactory(placement=placement, occurred_at=WHEN, category="damage")
        BehaviourIncidentFactory(placement=a2[0], occurred_at=WHEN, category="not_recorded")
    return {"a1": a1, "a2": a2}


def _row(text, label):
    start = text.index(label)
    return text[start : start + 250]


def test_counts_by_category_every_category_listed_and_not_recorded_only_when_present(world, terms, incidents):
    period = Period(terms["autumn"].start_date, terms["autumn"].end_date, "Autumn")
    with scope(trust=world.trust_a.pk):
        a1 = incident_counts([p.pk for p in incidents["a1"]], period=period)
        a2 = incident_counts([p.pk for p in incidents["a2"]], period=period)
    assert a1["Absconding or leaving the site"] == 6 and a1["Damage to property"] == 2
    assert a1["Weapon or dangerous item"] == 0
    assert "Not recorded" not in a1 and a2["Not recorded"] == 1
    assert len(a1) == len(BehaviourIncident.Category.choices) - 1


def test_the_report_counts_incidents_by_category_with_suppression(client, world, terms, incidents):
    sign_in(client, world.personas["a.school_governor"])
    school = world.schools["a1"]
    url = reverse("school_report", args=[school.pk]) + f"?term={terms['autumn'].pk}"
    text = client.get(url).content.decode()
    assert ">8<" in _row(text, "Behaviour incidents<")[:80]  # the total: shown, as 8 is not small
    # Two incidents of damage are fewer than the trust's threshold of 5; the six of absconding are then
    # withheld too, so the two cannot be worked out from the total.
    assert "fewer than 5" in _row(text, "Behaviour incidents: Damage to property")
    assert "withheld" in _row(text, "Behaviour incidents: Absconding or leaving the site")
    assert "Behaviour incidents: Weapon or dangerous item" in text
    assert "Behaviour incidents: Not recorded" not in text
    assert "by the category the reporter chose" in text  # the one-line definition
    csv = client.get(reverse("school_report_csv", args=[school.pk]) + f"?term={terms['autumn'].pk}")
    body = csv.content.decode()
    assert "Behaviour incidents: Damage to property,fewer than 5" in body
    pdf = client.get(reverse("school_report_pdf", args=[school.pk]) + f"?term={terms['autumn'].pk}")
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Damage to property" in pdf_text and "Absconding or leaving the site" in pdf_text
    for placement in incidents["a1"]:
        assert placement.pupil.legal_first_name not in pdf_text


def test_the_trusts_threshold_decides_and_old_incidents_show_as_not_recorded(client, world, terms, incidents):
    from trusts.models import TrustPolicy

    with scopes_disabled():
        TrustPolicy.objects.filter(trust=world.trust_a).update(report_small_number_threshold=2)
    sign_in(client, world.personas["a.trust_governor"])
    text = client.get(reverse("trust_report") + f"?term={terms['autumn'].pk}").content.decode()
    assert "fewer than 2" in _row(text, "Behaviour incidents: Not recorded")
    damage = _row(text, "Behaviour incidents: Damage to property")
    assert "2" in damage[:120] and "fewer" not in damage[:120]


def test_the_chronology_names_the_category(client, world, terms, incidents):
    placement = incidents["a1"][0]
    sign_in(client, world.personas["a.school_dsl"])
    url = reverse("pupil_chronology", args=[placement.pupil_id])
    text = client.get(url).content.decode()
    assert "Behaviour incident: Damage to property" in text
    assert "Behaviour incident: Absconding or leaving the site" in text
