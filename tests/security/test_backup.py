"""A backup (scripts/backup.sh) restored into a fresh database and an empty folder (scripts/restore.sh): the
app starts on it, and a pupil's record and an uploaded evidence file are there."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django_scopes import scopes_disabled

from tests.factories import MINIMAL_PDF, EvidenceFactory, PupilFactory, SchoolFactory

ROOT = Path(__file__).resolve().parents[2]
RESTORED = f"{settings.DATABASES['default']['TEST']['NAME']}_restored"


def _url(name):
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"


def _admin(sql):
    with psycopg.connect(_url("postgres"), autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture
def restored_database():
    _admin(f'DROP DATABASE IF EXISTS "{RESTORED}"')
    _admin(f'CREATE DATABASE "{RESTORED}"')
    yield RESTORED
    _admin(f'DROP DATABASE IF EXISTS "{RESTORED}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_with_records_and_files(tmp_path, restored_database):
    with scopes_disabled():
        pupil = PupilFactory(school=SchoolFactory(), legal_last_name="Restorable")
        evidence = EvidenceFactory()
    stored = Path(settings.PRIVATE_MEDIA_ROOT) / evidence.file.name
    assert stored.read_bytes() == MINIMAL_PDF

    env = {**os.environ, "APP_ENV": "test", "PYTHON": sys.executable}
    backup = subprocess.run(
        ["scripts/backup.sh", str(tmp_path / "backups")],
        cwd=ROOT,
        env={
            **env,
            "DATABASE_URL": _url(connection.settings_dict["NAME"]),
            "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert backup.returncode == 0, backup.stderr
    folder = Path(backup.stdout.strip().splitlines()[-1])
    assert {p.name for p in folder.iterdir()} == {"database.dump", "private-files.tar.gz", "SHA256SUMS"}
    assert oct(folder.stat().st_mode & 0o777) == "0o700"

    restored_files = tmp_path / "restored-private"
    restore_env = {**env, "DATABASE_URL": _url(restored_database), "PRIVATE_MEDIA_ROOT": str(restored_files)}
    restore = subprocess.run(
        ["scripts/restore.sh", str(folder)],
        cwd=ROOT,
        env=restore_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert restore.returncode == 0, restore.stdout + restore.stderr

    # The app starts on the restored database and finds the record and the file through its own models.
    script = (
        "import django; django.setup()\n"
        "from django_scopes import scopes_disabled\n"
        "from placements.models import Pupil\n"
        "from providers.models import Evidence\n"
        "with scopes_disabled():\n"
        f"    print(Pupil.objects.get(pk={pupil.pk}).legal_last_name)\n"
        f"    e = Evidence.objects.get(pk={evidence.pk})\n"
        "    print(e.file.open('rb').read()[:8].decode())\n"
    )
    check = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=ROOT,
        env=restore_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.split() == ["Restorable", "%PDF-1.4"]
    # The restored database keeps the row-level security of every tenant table.
    with psycopg.connect(_url(restored_database)) as conn:
        forced = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relname = 'placements_pupil' AND relforcerowsecurity"
        ).fetchone()[0]
    assert forced == 1
    print(f"proved: backup {folder.name} restored into a fresh database; record and uploaded file are there")
