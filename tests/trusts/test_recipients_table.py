"""The recipients table covers every notification the app sends, and the trust policy page shows it."""

from __future__ import annotations

import ast
from pathlib import Path

from django.urls import reverse

from attendance.chase import alert_kind_for
from attendance.models import ChaseEvent
from tests.conftest import sign_in
from trusts.recipients import ALERTS

ROOT = Path(__file__).resolve().parents[2]
APPS = ("apcommission", "trusts", "providers", "placements", "attendance", "qa", "reports")


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(), filename=str(path))


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            yield name, node


def test_every_kind_the_code_names_is_in_the_table():
    used, unknown = set(), []
    for path, tree in _sources():
        # A kind chosen by a condition ("..._overdue" if late else "..._due") is named as a string literal.
        used |= {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ALERTS
        }
        for _name, call in _calls(tree):
            for keyword in call.keywords:
                value = keyword.value
                if keyword.arg == "kind" and isinstance(value, ast.Constant) and isinstance(value.value, str):
                    if "." not in value.value:
                        continue  # a model's own kind field (a review's, a closure day's), not an alert
                    used.add(value.value)
                    if value.value not in ALERTS:
                        unknown.append(f"{path.relative_to(ROOT)}:{call.lineno} {value.value}")
    assert not unknown, "alert kinds missing from trusts.recipients.ALERTS:\n" + "\n".join(unknown)
    # The chase chain names its kinds from its events: each of those is in the table too.
    chase = {
        alert_kind_for(ChaseEvent(kind=kind, detail=detail))
        for kind in ChaseEvent.Kind.values
        for detail in ("", "vulnerable")
    }
    assert chase <= set(ALERTS), chase - set(ALERTS)
    # And nothing in the table is dead.
    assert set(ALERTS) <= used | chase, set(ALERTS) - used - chase


def test_only_the_recipients_module_notifies_people():
    callers = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path, tree in _sources()
        for name, call in _calls(tree)
        if name == "notify" and path.relative_to(ROOT).as_posix() != "trusts/recipients.py"
    ]
    assert not callers, f"notifications sent around trusts.recipients.alert: {callers}"


def test_the_trust_policy_page_shows_who_is_told_about_what(client, world):
    sign_in(client, world.personas["a.trust_admin"])
    body = client.get(reverse("trust_policy")).content.decode()
    table = body[body.index('data-testid="recipients-table"') :]
    for kind, spec in ALERTS.items():
        assert f'data-kind="{kind}"' in table
        assert spec.label.replace("'", "&#x27;") in table
    assert "the head" in table.lower() and "the school&#x27;s dsls" in table.lower()
