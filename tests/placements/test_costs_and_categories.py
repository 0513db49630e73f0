"""The agreed rate with its unit and the transport cost on the placement form and in the SLA; behaviour
incidents with a category on the form, the placement page and the chronology."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from placements import lifecycle, reviews
from placements.agreements import sla
from placements.forms import IncidentForm, PlacementForm
from placements.models import BehaviourIncident, cost_problems
from tests.conftest import sign_in
from tests.placements.conftest import make_ready, new_placement
from trusts.errors import DomainError

LONDON = ZoneInfo("Europe/London")


def _form_data(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = "" if value is None else getattr(value, "pk", value)
    return data


def _problems(**kw):
    base = dict.fromkeys(
        ("rate", "rate_unit", "transport_cost", "transport_cost_unit", "registration_cost", "extra_costs")
    )
    base.update(kw)
    base["rate_unit"] = base["rate_unit"] or ""
    base["transport_cost_unit"] = base["transport_cost_unit"] or ""
    return cost_problems(**base)


def test_cost_rules():
    assert _problems() == {}
    assert _problems(rate=Decimal("65"), rate_unit="session") == {}
    assert "rate_unit" in _problems(rate=Decimal("65"))
    assert "rate" in _problems(rate_unit="day")
    assert "transport_cost_unit" in _problems(transport_cost=Decimal("12"))
    assert "transport_cost" in _problems(transport_cost_unit="week")
    assert "check the amount" in _problems(rate=Decimal("6500"), rate_unit="session")["rate"]
    assert _problems(rate=Decimal("6500"), rate_unit="term") == {}
    assert (
        "check the amount"
        in _problems(transport_cost=Decimal("900"), transport_cost_unit="day")["transport_cost"]
    )
    assert "registration_cost" in _problems(registration_cost=Decimal("99999"))


def test_the_placement_form_refuses_bad_costs_next_to_each_field(pw):
    lead = pw.personas["a.ap_lead"]
    placement = new_placement(pw)
    data = _form_data(PlacementForm(instance=placement, membership=lead))
    for changes, field, message in (
        ({"rate": "-5", "rate_unit": "session"}, "rate", "cannot be negative"),
        ({"rate": "120", "rate_unit": ""}, "rate_unit", "Say what the amount is for"),
        ({"rate": "", "rate_unit": "day"}, "rate", "Enter the amount"),
        ({"rate": "45000", "rate_unit": "day"}, "rate", "more than £2,000"),
        ({"transport_cost": "15", "transport_cost_unit": ""}, "transport_cost_unit", "Say what the amount"),
        ({"transport_cost": "-1", "transport_cost_unit": "day"}, "transport_cost", "cannot be negative"),
        ({"extra_costs": "-10"}, "extra_costs", "cannot be negative"),
        ({"rate": "lots", "rate_unit": "day"}, "rate", "number"),
    ):
        form = PlacementForm({**data, **changes}, instance=placement, membership=lead)
        assert not form.is_valid(), changes
        assert any(message in e for e in form.errors.get(field, [])), (changes, form.errors)
    good = PlacementForm(
        {
            **data,
            "rate": "2400.00",
            "rate_unit": "term",
            "transport_cost": "18.00",
            "transport_cost_unit": "day",
        },
        instance=placement,
        membership=lead,
    )
    assert good.is_valid(), good.errors


def test_the_edit_page_saves_a_day_rate_with_transport(pw, client):
    lead = pw.personas["a.ap_lead"]
    placement = new_placement(pw)
    data = _form_data(PlacementForm(instance=placement, membership=lead))
    sign_in(client, lead)
    url = reverse("placements:placement_edit", kwargs={"placement_pk": placement.pk})
    response = client.post(url, {**data, "rate": "-1", "rate_unit": "day"})
    assert response.status_code == 200 and "An amount cannot be negative." in response.content.decode()
    response = client.post(
        url,
        {**data, "rate": "120", "rate_unit": "day", "transport_cost": "18", "transport_cost_unit": "day"},
    )
    assert response.status_code == 302
    placement.refresh_from_db()
    assert (placement.rate, placement.rate_unit) == (Decimal("120.00"), "day")
    assert (placement.transport_cost, placement.transport_cost_unit) == (Decimal("18.00"), "day")
    page = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk}))
    assert "£120.00 a day; transport £18.00 a day" in page.content.decode()


def test_the_service_refuses_a_rate_without_its_unit(pw):
    placement = new_placement(pw)
    with pytest.raises(DomainError, match="Say what the amount is for"):
        lifecycle.placement_update(by=pw.personas["a.ap_lead"], placement=placement, rate=Decimal("50"))


def test_the_sla_states_day_and_term_rates_and_transport_only_where_recorded(pw):
    placement = new_placement(pw, rate=Decimal("65.00"), rate_unit="session")
    snapshot = sla.sla_snapshot(placement)
    # A session rate with no transport cost freezes with exactly the keys signed versions already carry.
    assert set(snapshot["costs"]) == {
        "per_session",
        "per_week",
        "registration",
        "extra",
        "extra_detail",
        "payment_terms",
    }
    assert snapshot["costs"]["per_session"] == "65.00" and snapshot["costs"]["per_week"] is None
    placement.rate, placement.rate_unit = Decimal("2400.00"), "term"
    placement.transport_cost, placement.transport_cost_unit = Decimal("18.00"), "day"
    costs = sla.sla_snapshot(placement)["costs"]
    assert costs["per_term"] == "2400.00" and costs["per_session"] is None
    assert costs["transport"] == "18.00" and costs["transport_paid"] == "per day"


def test_a_signed_version_stays_current_and_a_new_rate_shows_in_the_differences(pw):
    placement = make_ready(pw, new_placement(pw, rate=Decimal("65.00"), rate_unit="session"))
    lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    signed = placement.sla_versions.get()
    assert sla.sla_is_current(signed, placement)
    lifecycle.placement_update(
        by=pw.personas["a.ap_lead"],
        placement=placement,
        rate=Decimal("130.00"),
        rate_unit="day",
        transport_cost=Decimal("20.00"),
        transport_cost_unit="week",
    )
    v2 = placement.sla_versions.get(number=2)
    changes = {
        c["label"]: (c["before"], c["after"]) for c in sla.sla_differences(signed.snapshot, v2.snapshot)
    }
    assert changes["Costs: per session"] == ("65.00", "")
    assert changes["Costs: per day"] == ("", "130.00")
    assert changes["Costs: transport"] == ("", "20.00")
    assert changes["Costs: transport paid"] == ("", "per week")


# --- Incident categories ----------------------------------------------------------------------------------


def _active(pw):
    placement = make_ready(pw, new_placement(pw))
    return lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)


def test_a_new_incident_needs_a_category_and_not_recorded_is_not_one(pw):
    placement = _active(pw)
    staff = pw.personas["a.provider_staff"]
    when = datetime(2026, 11, 19, 11, 0, tzinfo=LONDON)
    for category in ("", "not_recorded", "made_up"):
        with pytest.raises(DomainError, match="Choose the kind of incident") as raised:
            reviews.incident_record(
                by=staff, placement=placement, occurred_at=when, category=category, description="x"
            )
        assert raised.value.field == "category"
    incident = reviews.incident_record(
        by=staff, placement=placement, occurred_at=when, category="damage", description="Broke a window."
    )
    assert incident.get_category_display() == "Damage to property"
    form = IncidentForm()
    values = [v for v, _ in form.fields["category"].choices]
    assert "not_recorded" not in values and "weapon" in values and form.fields["category"].required
    assert not IncidentForm({"occurred_at": "2026-11-19T11:00", "description": "x"}).is_valid()


def test_the_incident_form_page_and_the_placement_page_show_the_category(pw, client):
    placement = _active(pw)
    sign_in(client, pw.personas["a.provider_staff"])
    url = reverse("placements:incident_create", kwargs={"placement_pk": placement.pk})
    page = client.get(url).content.decode()
    assert "Absconding or leaving the site" in page and "Not recorded" not in page
    missing = client.post(url, {"occurred_at": "2026-11-19T11:00", "description": "Ran off."})
    assert missing.status_code == 200 and "This field is required." in missing.content.decode()
    done = client.post(
        url, {"occurred_at": "2026-11-19T11:00", "description": "Ran off.", "category": "absconding"}
    )
    assert done.status_code == 302
    assert BehaviourIncident.objects.get(placement=placement).category == "absconding"
    sign_in(client, pw.personas["a.ap_lead"])
    detail = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk}))
    assert 'data-testid="incident-category">Absconding or leaving the site<' in detail.content.decode()
