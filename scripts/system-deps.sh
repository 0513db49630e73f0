#!/usr/bin/env bash
# Installs the Debian packages the app needs when they are missing: Pango and fonts for WeasyPrint (demo and
# test), Chromium, npm, the PostgreSQL client and redis-server for the tests (test), and the wrk load
# generator (bench). Does nothing when all are present.
set -euo pipefail
profile="${1:-demo}"
packages=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
if [ "$profile" = "test" ] || [ "$profile" = "bench" ]; then
  packages+=(chromium poppler-utils)
fi
if [ "$profile" = "bench" ]; then
  packages+=(wrk)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "$profile" = "test" ]; then
  # By command, whichever package provides it: npm for axe-core (accessibility), pg_dump and pg_restore for
  # the backup test, redis-server for the fault tests' own Redis.
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  command -v pg_dump >/dev/null 2>&1 || missing+=(postgresql-client)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${missing[*]}. Install them with your package manager." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
