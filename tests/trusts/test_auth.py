"""Sign-in: passwords, lockout, the second factor, sessions and choosing a trust."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.core import mail
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import MembershipFactory, SchoolFactory, TOTPDeviceFactory, UserFactory
from trusts.roles import Role

PASSWORD = "correct-horse-battery"
WRONG = "That username and password do not match an account."


def login(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def code_for(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():06d}"


@pytest.fixture
def ap_lead(db):
    return MembershipFactory(role=Role.AP_LEAD)


@pytest.fixture
def dsl(db):
    return MembershipFactory(role=Role.DSL, school=SchoolFactory())


def test_ap_lead_signs_in_and_lands_on_school_home(client, ap_lead):
    response = login(client, ap_lead.user.username)
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.url == reverse("school_dashboard")
    page = client.get(home.url)
    assert page.status_code == 200
    assert ap_lead.school.name in page.content.decode()


def test_wrong_password_and_unknown_user_get_the_same_message(client, ap_lead):
    wrong = login(client, ap_lead.user.username, "not-the-password")
    unknown = login(client, "nobody-at-all", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert WRONG in wrong.content.decode()
    assert WRONG in unknown.content.decode()


def test_lockout_after_repeated_failures_for_fifteen_minutes(client, ap_lead):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, ap_lead.user.username, "wrong-one").status_code == 200
    locked = login(client, ap_lead.user.username, "wrong-one")
    assert locked.status_code == 429
    assert "locked for 15 minutes" in locked.content.decode()
    # Even the right password is refused while locked, with the same page.
    again = login(client, ap_lead.user.username)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not affected.
    other = MembershipFactory(role=Role.AP_LEAD)
    assert login(client, other.user.username).status_code == 302


def test_lockout_expires_after_fifteen_minutes(client, ap_lead, time_machine):
    time_machine.move_to("2026-11-23 09:00", tick=False)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, ap_lead.user.username, "wrong-one")
    assert login(client, ap_lead.user.username).status_code == 429
    time_machine.move_to("2026-11-23 09:16", tick=False)
    assert login(client, ap_lead.user.username).status_code == 302


def test_passwords_are_hashed_with_argon2_in_production_settings():
    assert settings.PASSWORD_HASHERS[-2] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    user = UserFactory.build()
    from django.contrib.auth.hashers import make_password

    assert identify_hasher(make_password("x", hasher="argon2")).algorithm == "argon2"
    assert user


def test_session_key_changes_at_sign_in(client, ap_lead):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    login(client, ap_lead.user.username)
    assert client.session.session_key != before


def test_idle_timeout_is_thirty_minutes_and_slides_with_use(client, ap_lead, time_machine):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    time_machine.move_to("2026-11-23 09:00:00", tick=False)
    login(client, ap_lead.user.username)
    home = reverse("school_dashboard")
    assert client.get(home).status_code == 200
    time_machine.shift(25 * 60)  # 09:25: in use, so the session moves on
    assert client.get(home).status_code == 200
    time_machine.shift(29 * 60)  # 09:54: 29 minutes idle
    assert client.get(home).status_code == 200
    time_machine.shift(30 * 60)  # 10:24: 30 minutes idle: signed out
    response = client.get(home)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    time_machine.shift(60)
    assert client.get(home).url.startswith(reverse("login"))  # and it stays ended


def test_the_session_is_written_at_most_once_a_minute(client, ap_lead, time_machine):
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    time_machine.move_to("2026-11-23 09:00:00", tick=False)
    login(client, ap_lead.user.username)
    home = reverse("school_dashboard")
    client.get(home)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    expiry = Session.objects.get(session_key=key).expire_date
    time_machine.shift(59)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(home).status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]
    assert Session.objects.get(session_key=key).expire_date == expiry
    time_machine.shift(1)
    client.get(home)
    assert Session.objects.get(session_key=key).expire_date == expiry + timedelta(seconds=60)


def test_dsl_must_set_up_two_factor_at_first_sign_in(client, dsl, time_machine):
    time_machine.move_to("2026-11-23 09:00:00", tick=False)
    login(client, dsl.user.username)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("two_factor_setup"))
    # Nothing behind the check is reachable.
    assert client.get(reverse("safeguarding_dashboard")).url.startswith(reverse("two_factor_setup"))
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=dsl.user, confirmed=False)
    bad = client.post(
        reverse("two_factor_setup"), {"token": "000000" if code_for(device) != "000000" else "111111"}
    )
    assert "That code is not right" in bad.content.decode()
    # A retry straight away is slowed down, with a message saying so.
    fast = client.post(reverse("two_factor_setup"), {"token": code_for(device)})
    assert "Wait a few seconds" in fast.content.decode()
    time_machine.move_to("2026-11-23 09:00:05", tick=False)
    ok = client.post(reverse("two_factor_setup"), {"token": code_for(device)})
    assert ok.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("safeguarding_dashboard")).status_code == 200


def test_two_factor_is_asked_at_every_sign_in_and_codes_cannot_be_reused(client, dsl):
    device = TOTPDeviceFactory(user=dsl.user)
    login(client, dsl.user.username)
    assert client.get(reverse("home")).url.startswith(reverse("two_factor_verify"))
    letters = client.post(reverse("two_factor_verify"), {"token": "12ab56"})
    assert "six digits, with no letters" in letters.content.decode()
    token = code_for(device)
    assert client.post(reverse("two_factor_verify"), {"token": token}).status_code == 302
    assert client.get(reverse("safeguarding_dashboard")).status_code == 200

    client.post(reverse("logout"))
    login(client, dsl.user.username)
    reused = client.post(reverse("two_factor_verify"), {"token": token})
    assert reused.status_code == 200
    assert "used already" in reused.content.decode() or "Too many wrong codes" in reused.content.decode()
    assert client.get(reverse("safeguarding_dashboard")).status_code == 302


def test_password_reset_does_not_skip_two_factor(client, dsl):
    TOTPDeviceFactory(user=dsl.user)
    client.post(reverse("password_reset"), {"email": dsl.user.email})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/account/reset/" in line)
    path = link[link.index("/account/reset/") :]
    form = client.get(path, follow=True)
    new_password = "a-brand-new-passphrase-2026"
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert "Your password has been changed" in done.content.decode()
    # Not signed in by the reset; signing in still asks for the code.
    assert "_auth_user_id" not in client.session
    login(client, dsl.user.username, new_password)
    assert client.get(reverse("home")).url.startswith(reverse("two_factor_verify"))


def test_password_reset_for_unknown_email_says_the_same(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "If the address matches an account" in response.content.decode()
    assert mail.outbox == []


def test_password_validators_refuse_weak_passwords(client, ap_lead):
    client.post(reverse("password_reset"), {"email": ap_lead.user.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/account/reset/" in line)
    form = client.get(link[link.index("/account/reset/") :], follow=True)
    weak = client.post(form.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"})
    assert weak.status_code == 200
    assert "too common" in weak.content.decode()


def test_a_person_in_two_trusts_chooses_and_switches(client, db):
    first = MembershipFactory(role=Role.AP_LEAD)
    second = MembershipFactory(user=first.user, role=Role.GOVERNOR, school=None)
    login(client, first.user.username)
    choose = client.get(reverse("home"))
    assert choose.url.startswith(reverse("choose_trust"))
    page = client.get(reverse("choose_trust")).content.decode()
    assert first.trust.name in page and second.trust.name in page
    client.post(reverse("switch_membership", args=[first.pk]))
    assert client.get(reverse("home")).url == reverse("school_dashboard")
    client.post(reverse("switch_membership", args=[second.pk]))
    assert client.get(reverse("home")).url == reverse("governor_dashboard")


def test_switching_to_a_trust_you_are_not_in_is_404(client, ap_lead):
    stranger = MembershipFactory(role=Role.AP_LEAD)
    login(client, ap_lead.user.username)
    assert client.post(reverse("switch_membership", args=[stranger.pk])).status_code == 404
    assert client.post(reverse("switch_membership", args=[999999])).status_code == 404


def test_a_deactivated_membership_is_no_longer_offered(client, ap_lead):
    login(client, ap_lead.user.username)
    assert client.get(reverse("school_dashboard")).status_code == 200
    from django_scopes import scopes_disabled

    with scopes_disabled():
        ap_lead.is_active = False
        ap_lead.save()
    response = client.get(reverse("school_dashboard"))
    assert response.url.startswith(reverse("choose_trust"))


def test_outsider_with_no_trust_is_told_so(client, db):
    user = UserFactory()
    login(client, user.username)
    page = client.get(reverse("home"), follow=True)
    assert "not a member of any trust" in page.content.decode()


def test_each_role_lands_on_its_own_home(client, world):
    expected = {
        "a.trust_admin": "trust_dashboard",
        "a.headteacher": "school_dashboard",
        "a.ap_lead": "school_dashboard",
        "a.attendance_officer": "school_dashboard",
        "a.school_dsl": "safeguarding_dashboard",
        "a.trust_dsl": "safeguarding_dashboard",
        "a.school_governor": "governor_dashboard",
        "a.trust_governor": "governor_dashboard",
        "a.provider_staff": "provider_dashboard",
    }
    from tests.conftest import sign_in

    for key, url_name in expected.items():
        sign_in(client, world.personas[key])
        response = client.get(reverse("home"))
        assert response.url == reverse(url_name), key
        assert client.get(response.url).status_code == 200, key
        client.logout()


def test_other_roles_home_pages_are_refused(client, world):
    from tests.conftest import sign_in

    sign_in(client, world.personas["a.ap_lead"])
    for name in ("trust_dashboard", "safeguarding_dashboard", "governor_dashboard", "provider_dashboard"):
        assert client.get(reverse(name)).status_code == 403, name


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse("school_dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
