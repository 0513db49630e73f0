"""Settings for the benchmark's server, worker and probes: the app's own settings, quiet, with one extra URL (a
bare view the page timings are compared with) and email that goes nowhere (the notifications are still written
and claimed; only the SMTP step is skipped)."""

from apcommission.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEBUG = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": True,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
}
