"""The one settings module. Everything that differs between a laptop, CI and production is read from the
environment (see README.md, "Configuration") and parsed strictly: a bad value stops start-up naming the variable.

APP_ENV picks a profile:
- development (default): SQLite and eager Celery unless DATABASE_URL / REDIS_URL say otherwise.
- test: PostgreSQL and Redis on this machine unless DATABASE_URL / REDIS_URL say otherwise.
- production: secure cookies, HSTS, SSL redirect; DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS required.
- build: enough to run collectstatic in an image build, nothing else.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from kombu import Exchange, Queue

from apcommission.env import (
    EnvError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    env_url,
)
from trusts.rls import reset_pooled_connection

BASE_DIR = Path(__file__).resolve().parent.parent

APP_ENV = env_choice("APP_ENV", ("development", "test", "production", "build"), "development")
PRODUCTION = APP_ENV == "production"
TESTING = APP_ENV == "test"

DEBUG = env_bool("DJANGO_DEBUG", APP_ENV == "development")
if PRODUCTION and DEBUG:
    raise EnvError("DJANGO_DEBUG must be false when APP_ENV is production.")

_INSECURE_KEY = "insecure-development-key-not-for-production-use-0123456789abcdef"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", None if PRODUCTION else _INSECURE_KEY, required=PRODUCTION)
if PRODUCTION and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == _INSECURE_KEY):
    raise EnvError("DJANGO_SECRET_KEY must be a random value of at least 50 characters in production.")

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise EnvError("DJANGO_ALLOWED_HOSTS must list the host names the app is served on.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# The address people open the app at, for links in emails.
SITE_URL = env_url(
    "SITE_URL",
    ("http", "https"),
    f"https://{ALLOWED_HOSTS[0]}" if PRODUCTION else "http://127.0.0.1:8000",
).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "guardian",
    "simple_history",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "csp",
    "trusts",
    "providers",
    "placements",
    "attendance",
    "qa",
    "reports",
    # Last: wires the row-level security policies over every app's tables (trusts.rls).
    "apcommission.apps.ProjectConfig",
]

MIDDLEWARE = [
    # First: a body larger than REQUEST_MAX_BYTES is refused before anything reads it.
    "apcommission.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy everywhere; no-store on every signed-in response (pupil data).
    "apcommission.middleware.ResponseHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's sessions with the idle timeout kept by a refresh at most once a minute (not a write a request).
    "apcommission.middleware.SlidingSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "trusts.middleware.TwoFactorMiddleware",
    "trusts.middleware.TenantMiddleware",
    # Last, so that a locked-out sign-in is answered with the lockout page.
    "axes.middleware.AxesMiddleware",
    # A view that cannot reach the database answers 503 (handler500 does the same for middleware).
    "apcommission.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "apcommission.urls"
WSGI_APPLICATION = "apcommission.wsgi.application"
ASGI_APPLICATION = "apcommission.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "apcommission.context_processors.app_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
if APP_ENV == "test":
    _default_db = "postgres://postgres@127.0.0.1:5432/apcommission"
else:
    _default_db = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASE_URL = env_url("DATABASE_URL", ("postgres", "postgresql", "sqlite"), _default_db)
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))
}
SILENCED_SYSTEM_CHECKS = []
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded demo database cannot enforce "unique, nulls not distinct"; PostgreSQL does.
    SILENCED_SYSTEM_CHECKS.append("models.W047")
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_apcommission")}
    # A connection that died while idle (a database restart, a dropped link) is noticed and replaced before
    # a request uses it; with the pool, on each checkout.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Bounded connections: each process (a gunicorn worker, a Celery worker child, a development server with
    # its threads) keeps a psycopg pool of at most DB_POOL_MAX_SIZE connections. A request takes one for its
    # duration and gives it back at the end; when all are busy it waits DB_POOL_TIMEOUT seconds and then
    # answers 503 (apcommission.middleware.DatabaseUnavailableMiddleware). The sum over processes must stay
    # under PostgreSQL's max_connections: README, "Connections". DB_POOL_MAX_SIZE=0 turns the pool off and
    # falls back to one connection per thread kept for DB_CONN_MAX_AGE seconds. The test profile runs without
    # it (the test database is dropped at the end, which open pooled connections would prevent); the tests
    # of the pool start servers with it.
    DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 0 if TESTING else 4, minimum=0, maximum=100)
    if DB_POOL_MAX_SIZE:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections; Django returns them
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN_SIZE", 1, minimum=0, maximum=DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": env_int("DB_POOL_TIMEOUT", 10, minimum=1, maximum=120),
            # Idle connections above min_size close after 5 minutes; every connection is renewed hourly.
            "max_idle": 300,
            "max_lifetime": 3600,
            # A connection going back to the pool forgets any trust set for row-level security.
            "reset": reset_pooled_connection,
        }
# Row-level security (trusts.rls): the tenant middleware and TrustTask set the trust for PostgreSQL's
# policies. On wherever the database is PostgreSQL, except in the test profile, whose suite connects as a
# superuser (who is never held by a policy) and whose tests of it switch it on.
DATABASE_ROW_LEVEL_SECURITY = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DB_ROW_LEVEL_SECURITY", not TESTING
)
# The ordinary role the app connects as in production (docker-compose.yml): each migrate grants it read and
# write on the tables, nothing more.
DATABASE_APP_ROLE = env_str("DB_APP_ROLE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ----------------------------------------------------------------------------
REDIS_URL = env_url(
    "REDIS_URL", ("redis", "rediss"), "redis://127.0.0.1:6379/0" if APP_ENV == "test" else None
)
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", ("redis", "rediss", "amqp"), REDIS_URL)
# Without a broker tasks run in the web process. The test profile runs them eagerly too, except in the tests
# that start a real worker on Redis (they switch eager mode off for their duration).
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None or env_bool("CELERY_TASK_ALWAYS_EAGER", TESTING)
# With no broker configured, Celery's in-memory transport keeps it from looking for one on localhost.
EMBEDDED_BROKER = CELERY_BROKER_URL is None
if EMBEDDED_BROKER:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_url("CELERY_RESULT_BACKEND", ("redis", "rediss"), REDIS_URL)
# Surviving a worker that dies mid-task (killed, out of memory, its machine gone):
# - acks late: a message is acknowledged only when its task has finished, so a task cut short is delivered
#   again; every task is written to be run twice safely (notifications have a unique key, jobs reconcile).
# - reject on worker lost: a child killed by a signal puts its message back instead of acknowledging it.
# - prefetch 1: a worker holds only the message it is running, so a dead worker strands one message, not many.
# - visibility timeout: Redis hands an unacknowledged message to another worker after this many seconds. It
#   must be longer than the longest task (a chase run for a large trust takes well under a minute), or a
#   running task would be started a second time beside itself; an hour is the safe default.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# - restore interval: how often each worker looks for messages whose visibility timeout has passed (one
#   small Redis query each time; kombu's default scans only every ~100 s).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1, maximum=12 * 3600),
    "unacked_restore_interval": env_int("CELERY_RESTORE_INTERVAL", 60, minimum=1, maximum=3600),
    "unacked_restore_throttle": 1,
}
# Queues: a document someone is waiting for (the trust-wide termly report: its page shows the build's progress)
# goes to "documents"; email delivery to "mail", because a chase run can queue thousands of deliveries at once;
# everything else (invitations, the safeguarding escalation, the reminder jobs) stays on the default "celery".
# A worker with one child runs one task at a time, so a separate queue alone does not help a report asked for
# while that child is inside a long task (a delivery batch, a chase, the snapshots' refresh): in make bench it
# waited 60 s for the worker to come free. So "documents" has a worker of its own (`-Q documents`, one child),
# idle until someone asks for a report and then taking it at once; the general workers consume it too
# (`-Q documents,celery,mail`), so a second report asked for meanwhile, or a deployment without the documents
# worker, still gets built. How kombu's Redis transport takes from several queues (transport option
# queue_order_strategy, default "round_robin"): one BRPOP over all the worker's queues, after which the queue the
# message came from moves to the end of the list, so the next fetch looks at the other queues first. A queue
# that is rarely used ("documents", listed first) therefore stays at the front: its message is taken at the next
# free slot however long "celery" and "mail" are, and with prefetch 1 (above) a worker holds at most one
# message per child (tests/reports/test_report_queue_worker.py). A deployment can add a worker of its own for
# mail (`-Q mail`). Eager mode (the embedded demo, tests without a worker) ignores the routes.
CELERY_TASK_DEFAULT_QUEUE = "celery"
MAIL_QUEUE = "mail"
DOCUMENTS_QUEUE = "documents"
CELERY_TASK_QUEUES = (
    Queue(DOCUMENTS_QUEUE, Exchange(DOCUMENTS_QUEUE), routing_key=DOCUMENTS_QUEUE),
    Queue(
        CELERY_TASK_DEFAULT_QUEUE, Exchange(CELERY_TASK_DEFAULT_QUEUE), routing_key=CELERY_TASK_DEFAULT_QUEUE
    ),
    Queue(MAIL_QUEUE, Exchange(MAIL_QUEUE), routing_key=MAIL_QUEUE),
)
CELERY_TASK_ROUTES = {
    "reports.build_report": {"queue": DOCUMENTS_QUEUE},
    "trusts.tasks.deliver_notification": {"queue": MAIL_QUEUE},
    "trusts.tasks.deliver_notifications": {"queue": MAIL_QUEUE},
    "trusts.tasks.deliver_pending_notifications": {"queue": MAIL_QUEUE},
    "trusts.tasks.deliver_pending_notifications_all_trusts": {"queue": MAIL_QUEUE},
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/London"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = timedelta(days=1)
# Each entry fans out to one task per trust; the jobs decide from the database, so a missed beat catches up.
CELERY_BEAT_SCHEDULE = {
    # The trust-wide year-to-date figures (trusts.snapshots, kept 10 minutes): refreshed before they run out.
    "reports-refresh-snapshots": {
        "task": "reports.refresh_snapshots_all_trusts",
        "schedule": timedelta(minutes=5),
    },
    "notifications-deliver-pending": {
        "task": "trusts.tasks.deliver_pending_notifications_all_trusts",
        "schedule": timedelta(minutes=5),
    },
    # Placement reminders: hourly is plenty for day-granular deadlines, and each notification is sent once.
    "placements-reviews-due": {
        "task": "placements.tasks.remind_reviews_all_trusts",
        "schedule": timedelta(hours=1),
    },
    "placements-sla-unsigned": {
        "task": "placements.tasks.remind_unsigned_slas_all_trusts",
        "schedule": timedelta(hours=1),
    },
    "placements-part-time-reviews": {
        "task": "placements.tasks.remind_part_time_reviews_all_trusts",
        "schedule": timedelta(hours=1),
    },
    # Safeguarding concerns nobody has acknowledged: every minute, day and night, since the trust's escalation
    # time is counted in minutes. Each run reconciles from the database.
    "placements-escalate-concerns": {
        "task": "placements.tasks.escalate_concerns_all_trusts",
        "schedule": timedelta(minutes=1),
    },
    # Retention: what is past its period becomes a review a trust admin confirms (nothing is deleted unasked).
    "placements-retention-review": {
        "task": "placements.tasks.prepare_retention_review_all_trusts",
        "schedule": crontab(minute=15, hour=4),
    },
    # The cadence of a placement: reviews and parent reviews kept scheduled, progress reports asked for.
    "placements-cadence": {
        "task": "placements.tasks.reconcile_cadence_all_trusts",
        "schedule": timedelta(hours=1),
    },
    # The attendance chase chain: every five minutes through the school day. Each run reconciles from the
    # database, so the first run after an outage catches up on everything it missed.
    "attendance-chase": {
        "task": "attendance.tasks.chase_all_trusts",
        "schedule": crontab(minute="*/5", hour="7-18", day_of_week="mon-fri"),
    },
    "attendance-extend-sessions": {
        "task": "attendance.tasks.extend_sessions_all_trusts",
        "schedule": crontab(minute=30, hour=5),
    },
    "providers-evidence-expiry": {
        "task": "providers.tasks.check_evidence_expiry_all_trusts",
        "schedule": crontab(hour=6, minute=15),
    },
    # Quality assurance: visit reminders, overdue visits, improvement actions; day-granular, hourly is plenty.
    "qa-reconcile": {
        "task": "qa.tasks.reconcile_all_trusts",
        "schedule": crontab(minute=20),
    },
}

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "apcommission.cache.SharedClientRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Whether every process sees the same cache: only then may sessions and memberships be read from it (a
# process's own memory would keep a signed-out session or a removed membership alive in the others).
SHARED_CACHE = bool(REDIS_URL)

# --- Authentication -------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 at full cost makes every test that creates a user slow; production keeps argon2.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# `seed_demo` seeds the trusts, schools and people (trusts.demo), then each of these modules in turn: each
# has ``seed(people, context)`` and adds to what the ones before it made. The list lives here, at the
# project level, so the ground floor never names the apps built on it.
DEMO_SEEDERS = ["providers.demo", "placements.demo", "attendance.demo", "qa.demo", "reports.demo"]

# Idle timeout: the session lasts 30 minutes from the last request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=5, maximum=720) * 60
# Sessions are read from the cache (Redis, when there is one) and written through to the database, which keeps them for
# signing someone out everywhere (trusts.people.end_sessions_of). The idle timeout slides without a write a
# request: SlidingSessionMiddleware refreshes a session at most every SESSION_REFRESH_SECONDS and ends one
# idle for SESSION_COOKIE_AGE.
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if SHARED_CACHE else "db")
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Locked out by account (failures for one username from any addresses) and by address (failures for any
# usernames from one address). A school's staff share one address behind its router, so the address gets a
# larger allowance than an account: apcommission.lockout.LockoutHandler holds both limits.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
AXES_HANDLER = "apcommission.lockout.LockoutHandler"
# A sign-in attempt while locked, even with the right password, does not restart the 15 minutes.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# A successful sign-in clears that account's own failures only (see LockoutHandler.reset_user_attempts).
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0, minimum=0)

OTP_TOTP_ISSUER = "AP Commission"
OTP_TOTP_THROTTLE_FACTOR = 1

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

# --- Security -------------------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = False
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_SSL_REDIRECT:
        # TLS terminates at the proxy in front; without this the deploy check would rightly complain.
        SILENCED_SYSTEM_CHECKS.append("security.W008")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- Files ----------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded evidence and generated documents: outside the static root, never served directly (only through
# views that check permission). MEDIA_ROOT/MEDIA_URL stay separate and empty on purpose.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))
MEDIA_ROOT = BASE_DIR / "var" / "public-media-unused"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT)},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if APP_ENV in ("production", "build")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = APP_ENV not in ("production", "build")
WHITENOISE_AUTOREFRESH = DEBUG
# The largest request body accepted at all (the 10 MB evidence upload and its form), checked against the
# declared Content-Length before anything is read (apcommission.middleware.RequestSizeLimitMiddleware).
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 11 * 1024 * 1024, minimum=1024 * 1024)
# Uploads above this are spooled to a temporary file rather than held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Form fields other than files: no form of the app comes near 2 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 5

# --- Email ----------------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "AP Commission <no-reply@apcommission.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
elif PRODUCTION:
    raise EnvError(
        "EMAIL_HOST must be set in production: notifications and password resets are sent by email."
    )
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Locale ---------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]

# --- Forms ----------------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Logging --------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING"), "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # PDF rendering logs every step at INFO; only its warnings matter.
        "weasyprint": {"level": "WARNING"},
        # Celery logs every task at INFO; in the embedded demo tasks run in-process and would drown the console.
        "celery.app.trace": {"level": "WARNING" if APP_ENV == "development" else "INFO"},
        # Its in-memory transport (no broker configured) warns about the missing host name; nothing to act on.
        "kombu.connection": {"level": "ERROR" if EMBEDDED_BROKER else "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
