"""Readiness checks for /healthz: can the app reach its database and its broker?"""

from django.conf import settings
from django.db import connection


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "down"
        return f"down: {error.__class__.__name__}"
    return "ok"


def check_broker() -> str:
    if settings.EMBEDDED_BROKER:
        return "ok (no broker: tasks run in the web process)"
    from apcommission.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # noqa: BLE001
        return f"down: {error.__class__.__name__}"
    return "ok"


def check_all() -> tuple[dict, bool]:
    state = {"database": check_database(), "broker": check_broker()}
    ok = all(value.startswith("ok") for value in state.values())
    state["status"] = "ok" if ok else "unavailable"
    return state, ok
