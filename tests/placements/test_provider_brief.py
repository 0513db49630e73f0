"""What the provider needs to know: written and confirmed by the school, read by the provider's staff on their
placement page only while the placement is live, every view logged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from placements.models import Placement
from placements.safeguarding import services
from tests.conftest import sign_in
from tests.factories import CarerFactory
from tests.placements.conftest import new_placement
from trusts.errors import DomainError
from trusts.models import AccessLog

BRIEF = {
    "medical_needs": "Asthma",
    "medication": "Salbutamol inhaler, in her bag",
    "allergies": "Peanuts (anaphylaxis): EpiPen in the office",
    "may_collect": "Mum, or Gran (Jean Marsh)",
    "may_not_collect": "Her stepfather, Dean Cole: court order. Call 999 if he attempts to.",
    "dsl_out_of_hours": "Sam Safe, 07700 900123",
}


def _page(client, placement):
    return client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk}))


@pytest.fixture
def placement(pw):
    placement = new_placement(pw, status="active")
    CarerFactory(pupil=placement.pupil, name="Kim Marsh", phone="0113 496 0123")
    return placement


def test_the_provider_sees_what_the_school_shared_while_the_placement_is_live(pw, placement, client):
    brief = services.provider_brief_share(by=pw.personas["a.ap_lead"], placement=placement, **BRIEF)
    assert brief.shared_by == pw.personas["a.ap_lead"].user and brief.shared_at
    sign_in(client, pw.personas["a.provider_staff"])
    body = _page(client, placement).content.decode()
    assert "Dean Cole: court order" in body and "EpiPen" in body
    assert 'href="tel:01134960123"' in body
    assert "Sam Safe, 07700 900123" in body
    assert AccessLog.objects.filter(
        subject_id=placement.pupil_id, user=pw.personas["a.provider_staff"].user
    ).exists()
    Placement.objects.filter(pk=placement.pk).update(
        status="ended", ended_on="2026-11-19", ended_outcome="completed"
    )
    assert "Dean Cole" not in _page(client, placement).content.decode()


def test_before_agreement_the_provider_sees_nothing_of_it(pw, client):
    proposed = new_placement(pw, status="proposed")
    services.provider_brief_share(by=pw.personas["a.ap_lead"], placement=proposed, **BRIEF)
    sign_in(client, pw.personas["a.provider_staff"])
    assert "Dean Cole" not in _page(client, proposed).content.decode()


def test_the_school_sees_whether_it_was_shared_and_shares_it_on_the_page(pw, placement, client):
    sign_in(client, pw.personas["a.school_dsl"])
    assert "Not shared with the provider yet" in _page(client, placement).content.decode()
    url = reverse("placements:provider_brief_edit", kwargs={"placement_pk": placement.pk})
    response = client.post(url, {})
    assert "Write at least what the provider must know" in response.content.decode()
    response = client.post(url, BRIEF)
    assert response.status_code == 302
    assert "Shared with" in _page(client, placement).content.decode()


def test_only_the_school_shares_it(pw, placement):
    for key in ("a.provider_staff", "a.school_governor", "a.attendance_officer"):
        with pytest.raises(DomainError):
            services.provider_brief_share(by=pw.personas[key], placement=placement, **BRIEF)
    with pytest.raises(DomainError, match="another school"):
        services.provider_brief_share(by=pw.personas["a2.ap_lead"], placement=placement, **BRIEF)


def test_the_share_page_is_refused_to_others(pw, placement, client):
    url = reverse("placements:provider_brief_edit", kwargs={"placement_pk": placement.pk})
    for key, status in (("a.provider_staff", 403), ("a.school_governor", 403), ("a2.ap_lead", 404)):
        sign_in(client, pw.personas[key])
        assert client.get(url).status_code == status, key
