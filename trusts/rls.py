"""PostgreSQL row-level security: the second wall behind django-scopes.

Every table whose model has a ``trust`` foreign key to trusts.Trust (tenant models and their history
tables, including those added later: the list is walked from the models at every ``migrate``) gets row-level
security, ENABLEd and FORCEd (so the table's owner is held too), and one policy, ``trust_isolation``:

    a row is visible, and may be written, only when its trust_id equals the setting ``app.trust_id``,
    or when ``app.bypass_rls`` is ``on``.

The app sets ``app.trust_id`` beside the django-scopes scope: the tenant middleware for a request
(trusts.middleware), TrustTask for a job (trusts.tasking). With neither set, a tenant table shows no rows at
all, so a forgotten scope, a stray ``scopes_disabled`` or a raw query fails closed. The deliberate cross-trust
paths take the named route ``bypass()``: the Django admin (platform staff), migrations, the demo seed and the
lookup of a person's own memberships before a trust is chosen (trusts.selectors.memberships_of).

The settings are session-level (``set_config(..., false)``), set at the start and put back at the end of the
request or job, so they hold across the transactions of a request and never depend on one being open; a
connection going back to the pool is cleared as well (``reset_pooled_connection``), so a pooled connection
never carries one request's trust into the next.

PostgreSQL superusers and roles with BYPASSRLS are not held by any policy: the app must connect as an
ordinary role (README, "Security"). DATABASE_ROW_LEVEL_SECURITY switches the per-request settings on; the
test profile leaves it off (the suite connects as a superuser, and its pinned query counts stay as they
are), and tests/security/test_row_level_security.py switches it on and connects as an ordinary role.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

log = logging.getLogger(__name__)

TRUST_SETTING = "app.trust_id"
BYPASS_SETTING = "app.bypass_rls"
POLICY_NAME = "trust_isolation"
_SET_SQL = "SELECT set_config(%s, %s, false), set_config(%s, %s, false)"
_NOWHERE = ("", "")


def _policy_expression(column: str) -> str:
    return (
        f"current_setting('{BYPASS_SETTING}', true) = 'on' OR "
        f"{column} = NULLIF(current_setting('{TRUST_SETTING}', true), '')::bigint"
    )


def _in_use(connection) -> bool:
    return connection.vendor == "postgresql" and getattr(settings, "DATABASE_ROW_LEVEL_SECURITY", False)


def _apply(connection, trust: str, bypass: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_SET_SQL, [TRUST_SETTING, trust, BYPASS_SETTING, bypass])


@contextmanager
def _route(trust: str, bypass: str, using: str):
    connection = connections[using]
    if not _in_use(connection):
        yield
        return
    previous = getattr(connection, "_rls_route", _NOWHERE)
    _apply(connection, trust, bypass)
    connection._rls_route = (trust, bypass)
    try:
        yield
    finally:
        connection._rls_route = previous
        try:
            _apply(connection, *previous)
        except DatabaseError:
            # A broken connection is discarded, and a pooled one is cleared on its way back to the pool.
            log.warning("Could not put back the row-level security settings; the connection is dropped.")
            connection.close()


def trust_context(trust_id: int, *, using: str = DEFAULT_DB_ALIAS):
    """Rows of this trust only, for the rest of the block (a request's or a job's work)."""
    if not isinstance(trust_id, int) or isinstance(trust_id, bool):
        raise TypeError(f"trust_context needs an integer trust id, got {trust_id!r}")
    return _route(str(trust_id), "", using)


def bypass(*, using: str = DEFAULT_DB_ALIAS):
    """Every trust's rows: the named route for the deliberate cross-trust paths, and nothing else."""
    return _route("", "on", using)


def reset_pooled_connection(conn) -> None:
    """psycopg_pool's ``reset``: a connection returned to the pool forgets any trust and any bypass."""
    conn.execute(_SET_SQL, [TRUST_SETTING, "", BYPASS_SETTING, ""])
    if not conn.autocommit:
        conn.commit()


def tenant_models():
    """Every installed model (history tables included) with a concrete ``trust`` foreign key to Trust."""
    trust_model = apps.get_model("trusts", "Trust")
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        try:
            field = meta.get_field("trust")
        except FieldDoesNotExist:
            continue
        if field.concrete and field.is_relation and field.related_model is trust_model:
            yield model


def protected_tables(*, using: str = DEFAULT_DB_ALIAS) -> set[str]:
    """Tables with row-level security enabled and forced and the trust policy on them."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_policies p ON p.schemaname = n.nspname AND p.tablename = c.relname "
            "WHERE n.nspname = current_schema() AND c.relrowsecurity AND c.relforcerowsecurity "
            "AND p.policyname = %s",
            [POLICY_NAME],
        )
        return {row[0] for row in cursor.fetchall()}


def install_policies(*, using: str = DEFAULT_DB_ALIAS, only_missing: bool = False) -> list[str]:
    """Enable and force row-level security with the trust policy on every tenant table; (re)create the
    policy so a change to it reaches every table (``only_missing``: just the tables without it). Returns
    the tables it touched. Run after every ``migrate``."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    existing = set(connection.introspection.table_names())
    skip = protected_tables(using=using) if only_missing else set()
    tables = {}
    for model in tenant_models():
        if model._meta.db_table in existing and model._meta.db_table not in skip:
            tables[model._meta.db_table] = model._meta.get_field("trust").column
    quote = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for table, column in sorted(tables.items()):
            expression = _policy_expression(quote(column))
            cursor.execute(f"ALTER TABLE {quote(table)} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {quote(table)} FORCE ROW LEVEL SECURITY")
            cursor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {quote(table)}")
            cursor.execute(
                f"CREATE POLICY {POLICY_NAME} ON {quote(table)} USING ({expression}) WITH CHECK ({expression})"
            )
        role = getattr(settings, "DATABASE_APP_ROLE", None)
        if role:
            # The role the app connects as: it owns nothing and may only read and write rows.
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quote(role)}")
            cursor.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quote(role)}"
            )
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quote(role)}")
    return sorted(tables)


def migration_started(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """pre_migrate: migrations are a cross-trust path (data migrations touch every trust's rows)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        _apply(connection, "", "on")


def migration_finished(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """post_migrate: the policies on every tenant table, then the bypass is taken back. A ``flush`` (which
    sends post_migrate with no plan) only adds what is missing."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    tables = install_policies(using=using, only_missing=not kwargs.get("plan"))
    _apply(connection, *_NOWHERE)
    if kwargs.get("verbosity", 1) >= 2:
        print(f"Row-level security: the trust policy is on {len(tables)} tables.")
