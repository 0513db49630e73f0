import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django_scopes import scopes_disabled

from trusts.demo import TRUSTS
from trusts.roles import Role


def snapshot():
    """Every row of every model, as a comparable value."""
    with scopes_disabled():
        return {
            model._meta.label: sorted(
                tuple(sorted((k, str(v)) for k, v in row.items())) for row in model._default_manager.values()
            )
            for model in apps.get_models()
            if not model._meta.label.startswith(("sessions.", "admin.", "axes."))
        }


@pytest.mark.django_db
def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first


@pytest.mark.django_db
def test_seed_demo_json_lists_every_role_with_totp_where_needed(capsys):
    call_command("seed_demo", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["password"]
    accounts = data["accounts"]
    trusts = {a["trust"] for a in accounts}
    assert trusts == {t.name for t in TRUSTS}
    for trust in trusts:
        roles = {a["role"] for a in accounts if a["trust"] == trust}
        assert roles >= {r.value for r in Role if r != Role.PROVIDER_STAFF}, trust
    for account in accounts:
        needs = account["role"] in {"trust_admin", "headteacher", "dsl"}
        assert bool(account["totp_secret"]) == needs, account
        assert set(account) == {"username", "role", "trust", "school", "totp_secret"}


@pytest.mark.django_db
def test_demo_accounts_can_sign_in(client, capsys):
    call_command("seed_demo", "--json")
    data = json.loads(capsys.readouterr().out)
    account = next(a for a in data["accounts"] if a["role"] == "ap_lead")
    response = client.post("/account/login/", {"username": account["username"], "password": data["password"]})
    assert response.status_code == 302
    assert client.get("/", follow=True).status_code == 200
