"""Less typing, fewer wrong defaults: contacts offered from the people the app knows, timetables from the
provider's hours, year groups the provider takes (with a reason outside them), and who may sign for a
provider set by the trust."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from placements import gates, lifecycle, rules
from placements.forms import PlacementForm, timetable_initial
from providers import services as provider_services
from providers.models import Provider
from tests.conftest import sign_in
from tests.factories import MembershipFactory, PupilFactory, UserFactory
from tests.placements.conftest import new_placement
from trusts.errors import DomainError
from trusts.models import Membership
from trusts.roles import Role


def _takes(provider, year_groups):
    with scopes_disabled():
        Provider.objects.filter(pk=provider.pk).update(year_groups=year_groups)
        provider.refresh_from_db()
    return provider


def test_a_placement_outside_the_providers_year_groups_needs_a_reason(pw):
    provider = _takes(pw.providers["a"], ["9", "10", "11"])
    assert provider.year_groups_label == "Year 9 to Year 11"
    pupil = PupilFactory(school=pw.schools["a1"], year_group="5")
    lead = pw.personas["a.ap_lead"]
    fields = {"reason": "curriculum", "start_date": date(2026, 11, 30)}
    with pytest.raises(DomainError, match="takes Year 9 to Year 11, and .* is in Year 5"):
        lifecycle.placement_create(by=lead, pupil=pupil, provider=provider, **fields)
    placement = lifecycle.placement_create(
        by=lead,
        pupil=pupil,
        provider=provider,
        outside_age_range_reason="Small supervised primary group on Tuesdays, away from the workshop.",
        **fields,
    )
    gate = next(g for g in gates.placement_gates(placement) if g.code == "year_groups")
    assert gate.met and "Small supervised primary group" in gate.message
    with pytest.raises(DomainError, match="Year 5"):
        lifecycle.placement_update(by=lead, placement=placement, outside_age_range_reason="")


def test_a_provider_that_records_no_year_groups_takes_any(pw):
    placement = new_placement(pw, pupil=PupilFactory(school=pw.schools["a1"], year_group="3"))
    assert "year_groups" not in {g.code for g in gates.placement_gates(placement)}


def test_the_timetable_starts_from_the_providers_opening_hours(pw):
    assert rules.default_session_times(opens_at=time(9, 30), closes_at=time(14, 30)) == {
        "am": (time(9, 30), time(12, 0)),
        "pm": (time(12, 45), time(14, 30)),
    }
    assert rules.default_session_times(opens_at=None, closes_at=None) == rules.DEFAULT_SESSION_TIMES
    assert rules.default_session_times(opens_at=time(8, 0), closes_at=time(11, 30))["am"] == (
        time(8, 0),
        time(11, 30),
    )
    with scopes_disabled():
        Provider.objects.filter(pk=pw.providers["a"].pk).update(opens_at=time(9, 30), closes_at=time(14, 30))
        pw.providers["a"].refresh_from_db()
    placement = new_placement(pw)
    rows = timetable_initial(placement)
    assert {(r["session"], r["start_time"], r["end_time"]) for r in rows} == {
        ("am", time(9, 30), time(12, 0)),
        ("pm", time(12, 45), time(14, 30)),
    }


def test_contacts_are_offered_from_the_people_the_app_knows(pw, client):
    dsl = pw.personas["a.school_dsl"]
    Membership.objects.filter(pk=dsl.pk).update(
        job_title="Designated safeguarding lead", phone="0113 496 0100"
    )
    lead = pw.personas["a.ap_lead"]
    form = PlacementForm(membership=lead)
    html = str(form["school_dsl_contact"])
    assert f"{dsl.user.get_full_name()}, Designated safeguarding lead, 0113 496 0100" in html
    assert "<datalist" in html and 'list="id_school_dsl_contact-people"' in html
    assert pw.personas["a2.school_dsl"].user.get_full_name() not in html  # another school's staff
    assert form.initial["school_dsl_contact"].startswith(dsl.user.get_full_name())
    provider_html = str(form["provider_contact"])
    assert pw.providers["a"].contact_name in provider_html
    assert pw.providers["b"].contact_email not in provider_html
    sign_in(client, lead)
    page = client.get(reverse("placements:placement_create")).content.decode()
    assert "<datalist" in page and "Quillon" not in page


def test_the_trust_gives_and_takes_away_authority_to_sign(pw, client):
    staff = MembershipFactory(
        user=UserFactory(first_name="New", last_name="Starter"),
        trust=pw.trust_a,
        role=Role.PROVIDER_STAFF,
        provider=pw.providers["a"],
    )
    assert not staff.may_sign_agreements
    url = reverse("providers:staff_signing", kwargs={"staff_pk": staff.pk})
    sign_in(client, pw.personas["a.trust_admin"])
    assert client.post(url, {"may_sign": "yes"}).status_code == 302
    staff.refresh_from_db()
    assert staff.may_sign_agreements
    detail = client.get(reverse("providers:provider_detail", kwargs={"provider_pk": pw.providers["a"].pk}))
    assert f'data-testid="may-sign-{staff.pk}"' in detail.content.decode()
    client.post(url, {"may_sign": "no"})
    staff.refresh_from_db()
    assert not staff.may_sign_agreements
    assert staff.history.count() >= 3  # who could sign, and when, stays on record
    with pytest.raises(DomainError, match="Only a trust admin"):
        provider_services.provider_staff_signing_set(
            membership=staff, by=pw.personas["a.headteacher"], may_sign=True
        )
    for key in ("a.headteacher", "a.provider_staff"):
        sign_in(client, pw.personas[key])
        assert client.post(url, {"may_sign": "yes"}).status_code == 403
    sign_in(client, pw.personas["b.trust_admin"])
    assert client.post(url, {"may_sign": "yes"}).status_code == 404
    staff.refresh_from_db()
    assert not staff.may_sign_agreements
