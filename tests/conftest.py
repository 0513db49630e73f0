"""Shared personas: two trusts with two schools each, every role in each, and an outsider.

Names of the second trust ("Zebedee ...") and of the first trust's second school ("Quillon ...") are markers:
the isolation sweep checks that they never appear in a page served to someone who must not see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.db import connection
from django_otp import DEVICE_ID_SESSION_KEY
from django_scopes import scopes_disabled

from apcommission.middleware import SESSION_SEEN_KEY
from tests.factories import (
    MembershipFactory,
    ProviderFactory,
    SchoolFactory,
    TOTPDeviceFactory,
    TrustFactory,
    UserFactory,
)
from trusts.roles import SCHOOL_BOUND_ROLES, TWO_FACTOR_ROLES, Role
from trusts.services import ACTIVE_MEMBERSHIP_SESSION_KEY

pytest_plugins = ["tests.playwright_support"]

# (persona key, role, school key or None for trust-wide)
PERSONA_SPECS = (
    ("trust_admin", Role.TRUST_ADMIN, None),
    ("headteacher", Role.HEADTEACHER, "1"),
    ("ap_lead", Role.AP_LEAD, "1"),
    ("attendance_officer", Role.ATTENDANCE_OFFICER, "1"),
    ("school_dsl", Role.DSL, "1"),
    ("trust_dsl", Role.DSL, None),
    ("school_governor", Role.GOVERNOR, "1"),
    ("trust_governor", Role.GOVERNOR, None),
)


@dataclass
class World:
    trust_a: object
    trust_b: object
    schools: dict = field(default_factory=dict)  # "a1", "a2", "b1", "b2"
    providers: dict = field(default_factory=dict)  # "a", "b": the provider whose staff are personas
    personas: dict = field(default_factory=dict)  # "a.ap_lead", "b.trust_admin", "a2.ap_lead", ...
    outsider: object = None

    def markers_for(self, membership) -> list[str]:
        """Texts that must never reach this membership's screen."""
        markers = [
            self.trust_b.name,
            self.schools["b1"].name,
            self.schools["b2"].name,
            self.providers["b"].legal_name,
        ]
        if membership.role == Role.PROVIDER_STAFF:
            # Provider staff see their own provider and the pupils placed there, nothing else of the trust.
            markers += [self.schools["a2"].name, self.providers["a_other"].legal_name]
        if membership.role in SCHOOL_BOUND_ROLES or membership.school_id:
            markers.append(self.schools["a2"].name)
        return markers


def build_world() -> World:
    with scopes_disabled():
        trust_a = TrustFactory(name="Alderley Learning Trust", slug="alderley")
        trust_b = TrustFactory(name="Zebedee Marker Trust", slug="zebedee")
        world = World(trust_a=trust_a, trust_b=trust_b)
        world.schools = {
            "a1": SchoolFactory(trust=trust_a, name="Alderley Academy"),
            "a2": SchoolFactory(trust=trust_a, name="Quillon Marker School"),
            "b1": SchoolFactory(trust=trust_b, name="Zebedee Marker School One"),
            "b2": SchoolFactory(trust=trust_b, name="Zebedee Marker School Two"),
        }
        world.providers = {
            "a": ProviderFactory(trust=trust_a, legal_name="Alderley Skills Centre Ltd"),
            "a_other": ProviderFactory(trust=trust_a, legal_name="Quillon Marker Provider Ltd"),
            "b": ProviderFactory(trust=trust_b, legal_name="Zebedee Marker Provider Ltd"),
        }
        for prefix, trust in (("a", trust_a), ("b", trust_b)):
            user = UserFactory(username=f"{prefix}-provider_staff", first_name=f"{prefix.upper()}provider")
            world.personas[f"{prefix}.provider_staff"] = MembershipFactory(
                user=user, trust=trust, role=Role.PROVIDER_STAFF, provider=world.providers[prefix]
            )
            for key, role, school_key in PERSONA_SPECS:
                school = world.schools[f"{prefix}{school_key}"] if school_key else None
                user = UserFactory(username=f"{prefix}-{key}", first_name=f"{prefix.upper()}{key}")
                world.personas[f"{prefix}.{key}"] = MembershipFactory(
                    user=user, trust=trust, role=role, school=school
                )
        # The same school-bound roles at the first trust's second school: "another school of the same trust".
        for key, role, school_key in PERSONA_SPECS:
            if school_key:
                user = UserFactory(username=f"a2-{key}", first_name="Quillon")
                world.personas[f"a2.{key}"] = MembershipFactory(
                    user=user, trust=trust_a, role=role, school=world.schools["a2"]
                )
        world.outsider = UserFactory(username="outsider")
    return world


@pytest.fixture
def world(db) -> World:
    return build_world()


def sign_in(client, membership):
    """Sign ``membership``'s person in on the test client, with that membership active and, where the role
    needs it, the second factor passed."""
    client.force_login(membership.user)
    session = client.session
    # Signing in again on the same client keeps the session's data: its idle clock starts again here.
    session.pop(SESSION_SEEN_KEY, None)
    session[ACTIVE_MEMBERSHIP_SESSION_KEY] = membership.pk
    if membership.role in TWO_FACTOR_ROLES or any(
        m.role in TWO_FACTOR_ROLES for m in _memberships(membership.user)
    ):
        device = TOTPDeviceFactory(user=membership.user)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _memberships(user):
    with scopes_disabled():
        return list(user.memberships.all())


@pytest.fixture
def sign_in_as(client):
    def _sign_in(membership):
        return sign_in(client, membership)

    return _sign_in


@pytest.fixture(autouse=True)
def _require_postgresql(request):
    """The suite is meant for PostgreSQL; SQLite hides locking and constraint behaviour."""
    if "django_db_setup" in request.fixturenames and connection.vendor != "postgresql":
        pytest.fail("Run the tests on PostgreSQL: `make test` (DATABASE_URL must be a postgres:// URL).")


@pytest.fixture(autouse=True)
def _fresh_snapshots(monkeypatch):
    """Each test starts with no kept trust-wide figures (trusts.snapshots): a snapshot from an earlier test's
    data must not answer for this one's."""
    import uuid

    monkeypatch.setattr("trusts.snapshots.PREFIX", f"snapshot:test:{uuid.uuid4().hex}")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {"location": str(settings.PRIVATE_MEDIA_ROOT)},
        },
    }
