"""Strict reading of the environment: a bad value stops start-up with a message naming the variable."""

import os

from django.core.exceptions import ImproperlyConfigured


class EnvError(ImproperlyConfigured):
    """A setting read from the environment is missing or malformed."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None:
        return None
    value = value.strip()
    return value if value != "" else None


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = _raw(name)
    if value is None:
        if required:
            raise EnvError(f"{name} must be set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise EnvError(f"{name} must be true or false (or 1/0, yes/no, on/off), not {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise EnvError(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise EnvError(f"{name} must be at least {minimum}, not {number}.")
    if maximum is not None and number > maximum:
        raise EnvError(f"{name} must be at most {maximum}, not {number}.")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default or [])
    items = [item.strip() for item in value.split(",")]
    if any(item == "" for item in items):
        raise EnvError(f"{name} must be a comma-separated list with no empty entries, not {value!r}.")
    return items


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = _raw(name)
    if value is None:
        return default
    if value not in choices:
        raise EnvError(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def env_url(name: str, schemes: tuple[str, ...], default: str | None = None) -> str | None:
    value = _raw(name)
    if value is None:
        return default
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in schemes:
        raise EnvError(
            f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)}, not {value!r}."
        )
    return value
