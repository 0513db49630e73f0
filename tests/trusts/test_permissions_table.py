"""The permissions table, walked as a whole through the URLs: every action x every role, granted and denied.

Each view declares the action it performs (``permission_required``) or that any member may open it
(``member_required``); the few pages outside a trust (sign-in, password reset, health) are named below. Then
every persona of one trust requests every guarded URL, filled with that trust's own objects: a role the
table gives the action to must get through (never 403, never a server error); every other role gets 403.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import sign_in
from tests.sweep_registry import NON_OBJECT_PARAMS, OBJECT_PARAMS
from tests.test_isolation_sweep import all_patterns
from trusts.permissions import PERMISSIONS

# Pages that come before a trust is chosen, or outside sign-in altogether.
OUTSIDE_A_TRUST = {
    "login",
    "logout",
    "two_factor_setup",
    "two_factor_verify",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "choose_trust",
    "switch_membership",  # signed in, before or between trusts: it picks one of the person's own
    "invitation_accept",  # before the person has an account: the link's token is the key
    "healthz",
    "qa:calendar_feed",  # a visitor's calendar app fetches it by its secret link, without signing in
}
# Actions checked inside a page or a service rather than guarding a URL of their own; each has its own test
# where it is used (the sensitive flags on the pupil page, for example).
NOT_A_URL = {
    "pupil.read_sensitive",
    "checklist.answer",  # the checklist page (checklist.read) takes answers by POST only from those holding it
    "qa_action.respond",  # the action page (qa_action.read) offers each form only to those holding it
    "qa_action.close",
    "people.manage_trust_wide",  # the people services: which roles and schools a person may give (heads: their own)
    # Safeguarding concern pages answer 404, not 403, to a role without the action, as for a concern the person
    # may not see; tests/placements/test_concerns.py walks them for every role.
    "concern.raise",
    "concern.read",
    "concern.manage",
}

# Every role, as a persona of the second trust: the sweep registry's "other_trust" fillers create objects of
# that trust, at its first school and its provider, which are exactly these personas' own.
PERSONAS = (
    "trust_admin",
    "headteacher",
    "ap_lead",
    "attendance_officer",
    "school_dsl",
    "trust_dsl",
    "school_governor",
    "trust_governor",
    "provider_staff",
)


def _guarded():
    rows = []
    for name, params, entry in all_patterns():
        action = getattr(entry.callback, "permission_action", None)
        if action:
            rows.append((name, params, action))
    return rows


def test_every_view_declares_who_may_open_it():
    undeclared = [
        name
        for name, _params, entry in all_patterns()
        if name not in OUTSIDE_A_TRUST
        and not getattr(entry.callback, "permission_action", None)
        and not getattr(entry.callback, "member_only", False)
    ]
    assert not undeclared, f"views with neither permission_required nor member_required: {undeclared}"


def test_every_action_in_the_table_guards_something():
    used = {action for _name, _params, action in _guarded()}
    unused = set(PERMISSIONS) - used - NOT_A_URL
    assert not unused, f"actions no URL performs (remove them or guard a view with them): {sorted(unused)}"
    assert not used - set(PERMISSIONS)


@pytest.mark.django_db
def test_each_role_gets_exactly_the_actions_the_table_gives_it(world, client):
    guarded = _guarded()
    assert len(guarded) > 40, "the walk found too few guarded URLs"
    urls = {}
    for name, params, _action in guarded:
        values = {}
        for param in params:
            values[param] = (
                NON_OBJECT_PARAMS[param]
                if param in NON_OBJECT_PARAMS
                else OBJECT_PARAMS[param](world, "other_trust")
            )
        urls[name] = reverse(name, kwargs=values)

    failures, granted_seen, denied_seen = [], 0, 0
    for key in PERSONAS:
        membership = world.personas[f"b.{key}"]
        sign_in(client, membership)
        for name, _params, action in guarded:
            url = urls[name]
            response = client.get(url)
            if response.status_code == 405:
                response = client.post(url)
            granted = membership.role in PERMISSIONS[action]
            where = f"{key} {name} ({action}) {url}: {response.status_code}"
            if response.status_code >= 500:
                failures.append(f"{where}, a server error")
            elif granted and response.status_code == 403:
                failures.append(f"{where}, refused although the table grants it")
            elif not granted and response.status_code != 403:
                failures.append(f"{where}, expected 403")
            granted_seen += granted
            denied_seen += not granted
        client.logout()
    assert not failures, "\n".join(failures)
    assert granted_seen and denied_seen
