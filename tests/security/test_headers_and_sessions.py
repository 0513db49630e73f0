"""Response headers (no caching of pupil data, a Permissions-Policy) and the session after the second factor."""

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_scopes import scopes_disabled

from apcommission.middleware import NO_STORE
from tests.conftest import sign_in
from tests.factories import (
    MembershipFactory,
    PlacementFactory,
    PupilFactory,
    SchoolFactory,
    TOTPDeviceFactory,
)
from trusts.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture
def pupil_pages(world):
    with scopes_disabled():
        pupil = PupilFactory(school=world.schools["a1"])
        placement = PlacementFactory(pupil=pupil, provider=world.providers["a"], status="active")
    return [
        reverse("home"),
        reverse("school_dashboard"),
        reverse("placements:pupil_list"),
        reverse("placements:pupil_detail", kwargs={"pupil_pk": pupil.pk}),
        reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk}),
        reverse("placements:census_export"),
    ]


def test_signed_in_responses_are_never_stored(world, client, pupil_pages):
    sign_in(client, world.personas["a.ap_lead"])
    for url in pupil_pages:
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert response["Cache-Control"] == NO_STORE, url
    sign_in(client, world.personas["a.trust_admin"])
    assert client.get(reverse("trust_dashboard"))["Cache-Control"] == NO_STORE
    print("proved: pupil, placement, dashboard and census responses carry Cache-Control: no-store, private")


def test_every_response_has_a_permissions_policy(client, world):
    for response in (client.get(reverse("login")), client.get("/healthz"), client.get("/no-such-page/")):
        policy = response["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy
    sign_in(client, world.personas["a.ap_lead"])
    assert "payment=()" in client.get(reverse("school_dashboard"))["Permissions-Policy"]


def test_static_files_stay_cacheable(client, world):
    sign_in(client, world.personas["a.ap_lead"])
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_session_key_changes_after_the_second_factor(client, db):
    dsl = MembershipFactory(role=Role.DSL, school=SchoolFactory())
    device = TOTPDeviceFactory(user=dsl.user)
    client.post(reverse("login"), {"username": dsl.user.username, "password": PASSWORD})
    after_password = client.session.session_key
    csrf_after_password = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    response = client.post(reverse("two_factor_verify"), {"token": f"{totp.token():06d}"})
    assert response.status_code == 302
    assert client.session.session_key != after_password
    assert client.get(reverse("safeguarding_dashboard")).status_code == 200
    if csrf_after_password:
        assert client.cookies["csrftoken"].value != csrf_after_password
    # The session id from before the second factor is worth nothing now.
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=after_password).exists()
    print("proved: a new session key (and CSRF token) after the two-factor step")
