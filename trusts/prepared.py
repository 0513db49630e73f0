"""Statements PostgreSQL plans once a connection instead of on every run.

Planning a query costs PostgreSQL more than running it when the query joins several tables to fetch one row by
its key: a register tap's read of its session (the session, placement, register arrangement, pupil, school,
mark and who made it) took about 1.3 ms to plan and 0.1 ms to run, on every tap. Inside ``prepared()`` the
queries go to the database with server-side parameters and psycopg prepares each on the connection the first
time; from then on the connection runs it again by name, and PostgreSQL settles on one plan for it after a few
runs.

Only the queries inside the block are prepared: everywhere else the app keeps Django's default of client-side
parameters and no prepared statements. A prepared statement belongs to its connection, so this needs the
connections to be PostgreSQL's own (Django's psycopg pool, or one connection a thread), as the app's settings
make them; a pooler in transaction mode in front of PostgreSQL (PgBouncer) would need its prepared-statement
support switched on. psycopg keeps at most 100 prepared statements a connection and drops the least used.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def prepared(using: str = DEFAULT_DB_ALIAS):
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    from django.db.backends.postgresql.base import is_psycopg3

    if not is_psycopg3:
        yield
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    raw = connection.connection
    factory, threshold = raw.cursor_factory, raw.prepare_threshold
    raw.cursor_factory, raw.prepare_threshold = ServerBindingCursor, 0
    # A statement run again by name leaves the driver no text to show: where Django records what ran (the debug
    # log, a test's captured queries), it records the statement as the app wrote it instead of nothing.
    ops = connection.ops
    shown = ops.last_executed_query
    ops.last_executed_query = lambda cursor, sql, params: shown(cursor, sql, params) or sql
    try:
        yield
    finally:
        raw.cursor_factory, raw.prepare_threshold = factory, threshold
        del ops.last_executed_query
