"""System checks that need the database: ``manage.py check --deploy --database default``."""

from django.core.checks import Error, Tags, register
from django.core.checks import Warning as CheckWarning
from django.db import connections

from trusts import rls


@register(Tags.database, deploy=True)
def row_level_security_holds(app_configs=None, databases=None, **kwargs):
    """The second wall only stands if the app's role is held by the policies and every tenant table has one."""
    problems = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
            )
            role, superuser, bypasses = cursor.fetchone()
        if superuser or bypasses:
            problems.append(
                CheckWarning(
                    f"The app connects to PostgreSQL as {role!r}, which row-level security does not hold "
                    f"({'a superuser' if superuser else 'BYPASSRLS'}): the trusts' second wall is down.",
                    hint="Connect as an ordinary role that owns no table (README, 'Security').",
                    id="apcommission.W001",
                )
            )
        existing = set(connection.introspection.table_names())
        tenant_tables = {m._meta.db_table for m in rls.tenant_models() if m._meta.db_table in existing}
        missing = sorted(tenant_tables - rls.protected_tables(using=alias))
        if missing:
            problems.append(
                Error(
                    f"Tenant tables without the trust policy: {', '.join(missing)}.",
                    hint="Run `manage.py migrate`: it puts the policy on every tenant table.",
                    id="apcommission.E001",
                )
            )
    return problems
