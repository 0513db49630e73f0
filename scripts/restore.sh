#!/bin/sh
# Restore a backup made by scripts/backup.sh into an empty database and an empty private-files folder.
#
#   DATABASE_URL=postgres://owner@host/apcommission_restored PRIVATE_MEDIA_ROOT=/data/private-restored \
#       scripts/restore.sh var/backups/apcommission-<UTC time>
#
# Checks the checksums, restores the database (its row-level security policies included), unpacks the files,
# then runs `migrate` (which grants DB_APP_ROLE, if set, its access again and checks every tenant table's
# policy) and Django's system checks. Create the empty database first (createdb, or CREATE DATABASE).
set -eu
umask 077
backup="${1:?name the backup folder to restore}"
: "${DATABASE_URL:?set DATABASE_URL to the empty database to restore into}"
media="${PRIVATE_MEDIA_ROOT:-var/private}"
python="${PYTHON:-python}"
here="$(cd "$(dirname "$0")/.." && pwd)"

(cd "$backup" && sha256sum --check --quiet SHA256SUMS)
if [ -d "$media" ] && [ -n "$(ls -A "$media")" ]; then
    echo "restore: $media is not empty; restore the files into an empty folder" >&2
    exit 1
fi
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$DATABASE_URL" "$backup/database.dump"
mkdir -p "$media"
tar -xzf "$backup/private-files.tar.gz" -C "$media"
cd "$here"
"$python" manage.py migrate --noinput
"$python" manage.py check
echo "restored $backup"
