"""Sign-in lockout: by account across addresses, by address across accounts, and the clock does not restart."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import MembershipFactory
from trusts.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def login(client, username, password=PASSWORD, address="127.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_failures_for_many_accounts_from_one_address_lock_the_address(client):
    member = MembershipFactory(role=Role.AP_LEAD)
    limit = settings.AXES_ADDRESS_FAILURE_LIMIT
    for attempt in range(limit):
        # Ten usernames in turn, each below the account limit.
        response = login(client, f"guess-{attempt % 10}", "wrong", address="203.0.113.9")
        assert response.status_code == (429 if attempt == limit - 1 else 200)
    assert login(client, member.user.username, address="203.0.113.9").status_code == 429
    assert "_auth_user_id" not in client.session
    # The same person from another address is not affected.
    assert login(client, member.user.username, address="198.51.100.20").status_code == 302
    print(f"proved: {limit} failures over 10 usernames from one address lock that address")


def test_failures_for_one_account_from_many_addresses_lock_the_account(client):
    member = MembershipFactory(role=Role.AP_LEAD)
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, member.user.username, "wrong", address=f"192.0.2.{n + 1}")
    assert login(client, member.user.username, address="192.0.2.200").status_code == 429
    print("proved: failures for one account spread over addresses lock the account")


def test_attempts_while_locked_do_not_restart_the_fifteen_minutes(client, time_machine):
    member = MembershipFactory(role=Role.AP_LEAD)
    time_machine.move_to("2026-11-23 09:00", tick=False)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, member.user.username, "wrong")
    time_machine.move_to("2026-11-23 09:10", tick=False)
    assert login(client, member.user.username).status_code == 429
    assert login(client, member.user.username, "wrong").status_code == 429
    time_machine.move_to("2026-11-23 09:15:30", tick=False)
    assert login(client, member.user.username).status_code == 302
    print("proved: the lockout ends 15 minutes after the last counted failure, not after later attempts")


def test_another_accounts_sign_in_does_not_clear_a_locked_account(client):
    victim = MembershipFactory(role=Role.AP_LEAD)
    insider = MembershipFactory(role=Role.AP_LEAD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, victim.user.username, "wrong")
    assert login(client, insider.user.username).status_code == 302
    client.post(reverse("logout"))
    assert login(client, victim.user.username).status_code == 429
    print("proved: signing in with one account does not wipe another account's failures")


def test_a_successful_sign_in_clears_that_accounts_own_failures(client):
    member = MembershipFactory(role=Role.AP_LEAD)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, member.user.username, "wrong")
    assert login(client, member.user.username).status_code == 302
    client.post(reverse("logout"))
    assert login(client, member.user.username, "wrong").status_code == 200
    assert login(client, member.user.username).status_code == 302
