"""The Django admin shows every trust's data: it asks for a second factor and lets in platform staff only."""

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from tests.conftest import sign_in
from tests.factories import TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def code_for(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


@pytest.fixture
def operator(db):
    user = UserFactory(username="operator", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_password_alone_does_not_open_the_admin(client, operator):
    TOTPDeviceFactory(user=operator)
    response = client.post(
        reverse("admin:login"), {"username": "operator", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 200  # the form again, asking for the code
    assert client.get(reverse("admin:index")).status_code == 302
    # A signed-in staff session without the second factor is sent to the admin's own sign-in.
    client.force_login(operator)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 302 and index.url.startswith(reverse("admin:login"))
    assert client.get(reverse("admin:trusts_trust_changelist")).status_code == 302
    print("proved: the admin refuses a superuser signed in with a password alone")


def test_password_and_code_open_the_admin_with_a_new_session(client, operator):
    device = TOTPDeviceFactory(user=operator)
    client.get(reverse("admin:login"))
    client.session.save()
    before = client.session.session_key
    response = client.post(
        reverse("admin:login"),
        {
            "username": "operator",
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": code_for(device),
            "next": "/admin/",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.session.session_key != before
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:trusts_trust_changelist")).status_code == 200
    print("proved: password and code from a registered device open the admin")


def test_a_trust_member_with_a_verified_second_factor_is_not_let_in(client, world):
    admin_membership = world.personas["a.trust_admin"]
    sign_in(client, admin_membership)
    assert client.session.get(DEVICE_ID_SESSION_KEY)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    print("proved: a trust admin (not platform staff) cannot open the admin even after two-factor")
