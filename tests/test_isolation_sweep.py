"""The isolation sweep: every URL pattern of the project, requested by every persona of the first trust with
ids of the second trust's objects (and, for school-bound personas, of the first trust's other school).

Each must answer 404 (or 403 where the role is refused, 405 where the method is not offered), and no page
may show another trust's (or another school's) marker names. A pattern with a parameter the registry cannot
fill fails the sweep, so every new URL is covered by construction.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import sign_in
from tests.sweep_registry import EXCLUDED_NAMESPACES, NON_OBJECT_PARAMS, OBJECT_PARAMS

REFUSED = {403, 404, 405}


def walk(patterns=None, namespace=None):
    """Yield (url name, [parameter names]) for every pattern."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns in EXCLUDED_NAMESPACES:
                continue
            yield from walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, list(entry.pattern.converters.keys()), entry


def all_patterns():
    return list(walk())


def school_side_personas(world):
    return {key: m for key, m in world.personas.items() if key.startswith("a.")}


def test_every_pattern_is_named_and_fillable(db):
    problems = []
    for name, params, entry in all_patterns():
        if not name:
            problems.append(f"unnamed URL pattern {entry.pattern}: give it a name")
        for param in params:
            if param not in OBJECT_PARAMS and param not in NON_OBJECT_PARAMS:
                problems.append(f"{name}: parameter {param!r} has no filler in tests/sweep_registry.py")
    assert not problems, "\n".join(problems)


def _assert_no_markers(response, markers, context):
    if response.get("Content-Type", "").startswith(("application/pdf", "application/octet-stream")):
        body = response.content.decode("latin-1")
    elif getattr(response, "streaming", False):
        body = b"".join(response.streaming_content).decode("utf-8", "replace")
    else:
        body = response.content.decode("utf-8", "replace")
    leaked = [m for m in markers if m in body]
    assert not leaked, f"{context}: shows {leaked}"


@pytest.mark.django_db
def test_foreign_ids_get_404_for_every_persona(world, client):
    failures = []
    personas = school_side_personas(world)
    patterns = [(n, p, e) for n, p, e in all_patterns() if p and not set(p) & set(NON_OBJECT_PARAMS)]
    assert patterns, "the sweep found no parameterised URL"
    for target in ("other_trust", "other_school"):
        fills = {}
        for name, params, _ in patterns:
            values = {param: OBJECT_PARAMS[param](world, target) for param in params}
            if any(v is None for v in values.values()):
                continue
            fills[name] = reverse(name, kwargs=values)
        for key, membership in personas.items():
            if target == "other_school" and not membership.school_id:
                continue
            sign_in(client, membership)
            markers = world.markers_for(membership)
            for name, url in fills.items():
                for method in ("get", "post"):
                    response = getattr(client, method)(url)
                    context = f"{key} {method.upper()} {name} ({target}) {url}"
                    if response.status_code not in REFUSED:
                        failures.append(f"{context}: answered {response.status_code}, expected 404/403")
                        continue
                    _assert_no_markers(response, markers, context)
            client.logout()
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_pages_without_ids_show_nothing_of_other_tenants(world, client):
    """Lists and dashboards filter by the active trust and school: no marker of another appears."""
    failures = []
    simple = [(n, e) for n, p, e in all_patterns() if not p or set(p) <= set(NON_OBJECT_PARAMS)]
    for key, membership in school_side_personas(world).items():
        sign_in(client, membership)
        markers = world.markers_for(membership)
        for name, entry in simple:
            params = list(entry.pattern.converters.keys())
            url = reverse(name, kwargs={p: NON_OBJECT_PARAMS[p] for p in params})
            if name in ("logout",):
                continue
            response = client.get(url)
            if response.status_code >= 500:
                failures.append(f"{key} GET {name}: {response.status_code}")
                continue
            try:
                _assert_no_markers(response, markers, f"{key} GET {name}")
            except AssertionError as error:
                failures.append(str(error))
        client.logout()
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_outsider_reaches_no_trust_page(world, client):
    client.force_login(world.outsider)
    for name, params, _entry in all_patterns():
        if params or name in ("logout", "healthz") or name.startswith("password_reset"):
            continue
        response = client.get(reverse(name))
        assert response.status_code in (200, 302, 403, 404, 405), name
        if response.status_code == 200:
            _assert_no_markers(response, [world.trust_a.name, world.trust_b.name], f"outsider {name}")
