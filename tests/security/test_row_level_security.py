"""Row-level security, the second wall: under an ordinary database role (not a superuser, not the tables'
owner), a query that forgets the trust (a stray ``scopes_disabled``, raw SQL) sees only the trust that the
request or job is working in, and no rows at all when none is set."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from celery import shared_task
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django_scopes import scopes_disabled

from placements.models import Pupil
from tests.conftest import sign_in
from tests.factories import PupilFactory, SchoolFactory
from trusts import rls
from trusts.middleware import TenantMiddleware
from trusts.models import School
from trusts.tasking import TrustTask

pytestmark = pytest.mark.django_db


def app_role_name() -> str:
    # Roles belong to the whole PostgreSQL server: one name per test database, so parallel runs never meet.
    return f"apc_app_{connection.settings_dict['NAME']}"[:60]


@shared_task(base=TrustTask, name="tests.security.unscoped_pupil_trusts")
def unscoped_pupil_trusts(*, trust_id):
    """A job that forgets its scope on purpose."""
    with scopes_disabled():
        return sorted(set(Pupil.objects.values_list("trust_id", flat=True)))


@pytest.fixture
def as_app_role(settings):
    """Run the block as an ordinary role with the app's grants (rolled back with the test's transaction)."""
    role_name = connection.ops.quote_name(app_role_name())
    settings.DATABASE_ROW_LEVEL_SECURITY = True
    settings.DATABASE_APP_ROLE = app_role_name()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role_name} NOSUPERUSER NOBYPASSRLS NOINHERIT NOLOGIN")
    # What every migrate does (post_migrate): the policies, and read/write grants to the app's role.
    rls.install_policies(only_missing=True)

    @contextmanager
    def role():
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {role_name}")
            cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            assert cursor.fetchone() == (False, False)
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET ROLE")

    return role


@pytest.fixture
def pupils(world):
    with scopes_disabled():
        return {
            "a": PupilFactory(school=world.schools["a1"], legal_last_name="Alderley-Pupil"),
            "b": PupilFactory(school=world.schools["b1"], legal_last_name="Zebedee-Pupil"),
        }


def raw_count(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def test_every_tenant_table_has_the_policy():
    existing = set(connection.introspection.table_names())
    tenant_tables = {m._meta.db_table for m in rls.tenant_models() if m._meta.db_table in existing}
    protected = rls.protected_tables()
    assert tenant_tables, "no tenant tables found"
    assert tenant_tables - protected == set()
    # Every model behind a django-scopes manager is keyed on the trust, so the walk above finds it.
    tenant_labels = {m._meta.label for m in rls.tenant_models()}
    scoped = {
        m._meta.label
        for m in apps.get_models()
        if hasattr(m._default_manager, "with_scopes_disabled") and m._meta.db_table in existing
    }
    assert scoped - tenant_labels == set()
    print(f"proved: all {len(tenant_tables)} tenant tables (history included) have row-level security forced")


def test_a_raw_select_with_the_wrong_setting_returns_nothing(world, pupils, as_app_role):
    trust_a, trust_b = world.trust_a.pk, world.trust_b.pk
    with as_app_role():
        # Nothing set: no rows of any trust.
        assert raw_count("SELECT count(*) FROM placements_pupil") == 0
        assert raw_count("SELECT count(*) FROM trusts_school") == 0
        with rls.trust_context(trust_a):
            assert raw_count("SELECT count(*) FROM placements_pupil WHERE trust_id = %s", [trust_b]) == 0
            assert raw_count("SELECT count(*) FROM placements_pupil WHERE trust_id = %s", [trust_a]) == 1
            assert (
                raw_count("SELECT count(*) FROM placements_historicalpupil WHERE trust_id = %s", [trust_b])
                == 0
            )
            assert raw_count("SELECT count(*) FROM trusts_school") == 2
        with rls.bypass():
            assert raw_count("SELECT count(*) FROM placements_pupil") == 2
    print("proved: a raw SELECT of the other trust's pupils returns nothing under the app's role")


def test_a_deliberately_unscoped_query_returns_nothing_of_another_trust(world, pupils, as_app_role):
    with as_app_role(), rls.trust_context(world.trust_a.pk), scopes_disabled():
        assert list(Pupil.objects.filter(trust=world.trust_b)) == []
        assert list(Pupil.objects.values_list("legal_last_name", flat=True)) == ["Alderley-Pupil"]
        assert not School.objects.filter(name__startswith="Zebedee").exists()
    print("proved: scopes_disabled on another trust's rows returns nothing under the app's role")


def test_writes_into_another_trust_are_refused(world, pupils, as_app_role):
    with as_app_role(), rls.trust_context(world.trust_a.pk), scopes_disabled():
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            SchoolFactory(trust=world.trust_b, name="Smuggled School")
        assert Pupil.objects.filter(pk=pupils["b"].pk).update(legal_last_name="Changed") == 0
        assert Pupil.objects.filter(pk=pupils["b"].pk).delete()[0] == 0
    with scopes_disabled():
        assert Pupil.objects.get(pk=pupils["b"].pk).legal_last_name == "Zebedee-Pupil"


def test_the_tenant_middleware_sets_the_trust_for_the_request(world, pupils, as_app_role, client):
    seen = {}

    def unscoped_view(request):
        with scopes_disabled():
            seen["trusts"] = sorted(set(Pupil.objects.values_list("trust_id", flat=True)))

    membership = world.personas["a.ap_lead"]
    request = RequestFactory().get("/")
    request.user = membership.user
    request.memberships = [membership]
    request.session = {}
    with as_app_role():
        TenantMiddleware(unscoped_view)(request)
        assert seen["trusts"] == [world.trust_a.pk]
        # And pages work end to end under the app's role: the person's own school dashboard and pupil.
        sign_in(client, membership)
        assert client.get(reverse("school_dashboard")).status_code == 200
        own = client.get(reverse("placements:pupil_detail", kwargs={"pupil_pk": pupils["a"].pk}))
        assert own.status_code == 200 and "Alderley-Pupil" in own.content.decode()
        # Outside the request, nothing is left set on the connection.
        assert raw_count("SELECT count(*) FROM placements_pupil") == 0
    print("proved: the tenant middleware sets app.trust_id for the request and takes it back after")


def test_a_person_in_two_trusts_still_finds_and_switches_between_them(world, as_app_role, client):
    from tests.factories import MembershipFactory
    from trusts.roles import Role

    user = world.personas["a.ap_lead"].user
    with scopes_disabled():
        second = MembershipFactory(
            user=user, trust=world.trust_b, role=Role.AP_LEAD, school=world.schools["b1"]
        )
    with as_app_role():
        sign_in(client, world.personas["a.ap_lead"])
        response = client.post(reverse("switch_membership", kwargs={"membership_pk": second.pk}))
        assert response.status_code == 302
        assert client.get(reverse("school_dashboard")).status_code == 200


def test_trust_task_sets_the_trust_for_the_job(world, pupils, as_app_role):
    with as_app_role():
        assert unscoped_pupil_trusts(trust_id=world.trust_b.pk) == [world.trust_b.pk]
        assert raw_count("SELECT count(*) FROM placements_pupil") == 0
    print("proved: a job that forgets its scope sees only the trust it was started for")


@pytest.mark.parametrize("autocommit", [True, False])
def test_a_connection_back_in_the_pool_forgets_the_trust(autocommit):
    import psycopg

    db = connection.settings_dict
    # A connection of its own, as the pool holds them (never the test's, whose transaction must stay open).
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=autocommit
    ) as raw:
        raw.execute(
            "SELECT set_config('app.trust_id', '7', false), set_config('app.bypass_rls', 'on', false)"
        )
        if not autocommit:
            raw.commit()
        rls.reset_pooled_connection(raw)
        assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        row = raw.execute(
            "SELECT current_setting('app.trust_id', true), current_setting('app.bypass_rls', true)"
        ).fetchone()
    assert row == ("", "")


def test_the_deploy_check_warns_when_the_app_connects_as_a_role_policies_do_not_hold(as_app_role):
    from apcommission.checks import row_level_security_holds

    # The suite itself connects as a superuser: the check says the wall is down.
    assert [problem.id for problem in row_level_security_holds(databases=["default"])] == [
        "apcommission.W001"
    ]
    with as_app_role():
        assert row_level_security_holds(databases=["default"]) == []
    assert row_level_security_holds(databases=None) == []
