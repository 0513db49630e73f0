#!/bin/sh
# Runs once, when the PostgreSQL container initialises an empty data volume (docker-entrypoint-initdb.d).
# The app connects as this ordinary role: it owns no table, is no superuser and cannot bypass row-level
# security, so the trust policies hold every query it makes. Migrations run as the owner (POSTGRES_USER) and
# grant this role read and write on every table (DB_APP_ROLE, trusts/rls.py).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v role="$APP_DB_USER" -v password="$APP_DB_PASSWORD" -v db="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
GRANT CONNECT ON DATABASE :"db" TO :"role";
GRANT USAGE ON SCHEMA public TO :"role";
SQL
