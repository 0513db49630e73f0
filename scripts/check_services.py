"""Before the tests: can we reach PostgreSQL and Redis? If not, say which in one line, and how to start it."""

import os
import sys
from urllib.parse import urlsplit

DATABASE_URL = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/apcommission"
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def fail(message: str) -> None:
    print(message, file=sys.stderr)
    sys.exit(1)


def check_postgres() -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(DATABASE_URL)
    if parts.scheme not in ("postgres", "postgresql"):
        fail(f"DATABASE_URL must point at PostgreSQL for the tests (postgres://...), not {parts.scheme}://.")
    dbname = parts.path.lstrip("/") or "postgres"
    where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    try:
        conn = psycopg.connect(
            DATABASE_URL.replace(f"/{dbname}", "/postgres", 1), connect_timeout=3, autocommit=True
        )
    except psycopg.OperationalError:
        fail(
            f"PostgreSQL is not reachable at {where} (DATABASE_URL). Start it, e.g. "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` or `docker compose up -d postgres`."
        )
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))


def check_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError:
        parts = urlsplit(REDIS_URL)
        fail(
            f"Redis is not reachable at {parts.hostname}:{parts.port or 6379} (REDIS_URL). Start it, e.g. "
            "`redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''` or `docker compose up -d redis`."
        )


if __name__ == "__main__":
    check_postgres()
    check_redis()
