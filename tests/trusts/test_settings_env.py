"""Settings come from the environment, strictly; the production profile passes Django's deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from apcommission.env import EnvError, env_bool, env_choice, env_int, env_list, env_url

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "APP_ENV": "production",
    "DJANGO_SECRET_KEY": "k3y-" + "x9Qz!" * 12,
    "DJANGO_ALLOWED_HOSTS": "apcommission.example.org",
    "EMAIL_HOST": "smtp.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/apcommission",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "APP_ENV", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("value,expected", [("true", True), ("0", False), ("YES", True), ("off", False)])
def test_env_bool_accepts_the_usual_words(monkeypatch, value, expected):
    monkeypatch.setenv("FLAG", value)
    assert env_bool("FLAG", not expected) is expected


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "maybe")
    with pytest.raises(EnvError, match="DJANGO_DEBUG must be true or false"):
        env_bool("DJANGO_DEBUG", False)


def test_env_int_range_and_format(monkeypatch):
    monkeypatch.setenv("N", "12x")
    with pytest.raises(EnvError, match="N must be a whole number"):
        env_int("N", 1)
    monkeypatch.setenv("N", "3")
    with pytest.raises(EnvError, match="N must be at least 5"):
        env_int("N", 10, minimum=5)


def test_env_list_and_choice_and_url(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example")
    assert env_list("HOSTS") == ["a.example", "b.example"]
    monkeypatch.setenv("HOSTS", "a.example,,b")
    with pytest.raises(EnvError, match="HOSTS"):
        env_list("HOSTS")
    monkeypatch.setenv("MODE", "staging")
    with pytest.raises(EnvError, match="MODE must be one of"):
        env_choice("MODE", ("development", "production"), "development")
    monkeypatch.setenv("DATABASE_URL", "mysql://x")
    with pytest.raises(EnvError, match="DATABASE_URL must be a URL starting with postgres://"):
        env_url("DATABASE_URL", ("postgres", "sqlite"))


def test_a_bad_value_stops_start_up_naming_the_variable_without_a_traceback():
    result = manage("check", env={"DJANGO_DEBUG": "perhaps"})
    assert result.returncode == 2
    assert "Configuration error: DJANGO_DEBUG must be true or false" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_needs_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode == 2
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_profile_passes_the_deploy_check_with_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_sets_the_security_headers(client, settings, db):
    response = client.get("/account/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
