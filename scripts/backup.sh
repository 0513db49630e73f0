#!/bin/sh
# Back up AP Commission: the PostgreSQL database and the private files (uploaded evidence, signed documents).
#
#   DATABASE_URL=postgres://owner@host/apcommission PRIVATE_MEDIA_ROOT=/data/private scripts/backup.sh [DIR]
#
# Writes DIR/apcommission-<UTC time>/ (DIR defaults to var/backups) with database.dump (pg_dump's custom
# format), private-files.tar.gz and SHA256SUMS, readable by the running user only: it holds pupils' records.
# Connect as the database owner or a superuser: tables have forced row-level security, and pg_dump refuses to
# dump a table whose rows a policy would hide (the app's own role could not back it up, by design). Copy the
# folder off the machine and encrypt it at rest; scripts/restore.sh puts it back.
set -eu
umask 077
: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"
media="${PRIVATE_MEDIA_ROOT:-var/private}"
dest="${1:-var/backups}/apcommission-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$dest"

pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$dest/database.dump"
mkdir -p "$media"
tar -czf "$dest/private-files.tar.gz" -C "$media" .
(cd "$dest" && sha256sum database.dump private-files.tar.gz > SHA256SUMS)
echo "$dest"
