"""BonusDesk settings: one module, configured by environment variables.

With no variables at all it runs for development: an SQLite file next to manage.py,
DEBUG on, a development secret, the database cache and django-q2's ORM broker, so
neither a database server nor Redis is needed. Production sets DEBUG=off, SECRET_KEY,
ALLOWED_HOSTS and DATABASE_URL (PostgreSQL); REDIS_URL optionally moves the cache and
the task broker to Redis. See docs/deploy.md.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# pytest imports itself before Django loads settings; tests get synchronous tasks and a
# fast password hasher without a second settings module.
TESTING = env.bool("BONUSDESK_TESTING", default="pytest" in sys.modules)

DEBUG = env.bool("DEBUG", default=True)
_DEV_SECRET = "django-insecure-bonusdesk-development-only"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"] if DEBUG else [])


def _weak_secret(key: str) -> bool:
    """Django's own rule (check security.W009): short, repetitive or a generated
    development key. Signed links (password resets, claims, sessions) rest on it."""
    return (
        len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or key.startswith(SECRET_KEY_INSECURE_PREFIX)
    )


if not DEBUG and _weak_secret(SECRET_KEY):
    raise ImproperlyConfigured(
        f"DEBUG is off: SECRET_KEY must be a random value of at least "
        f"{SECRET_KEY_MIN_LENGTH} characters, e.g. the output of "
        f"python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DEBUG is off: set ALLOWED_HOSTS (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Unfold's apps must come before django.contrib.admin to override its templates.
    # BasicAppConfig: Unfold's default config would replace admin.site with a plain
    # UnfoldAdminSite in ready(), hiding BonusDeskAdminSite and its pages.
    "unfold.apps.BasicAppConfig",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.import_export",
    "unfold.contrib.simple_history",
    "admin_site.apps.BonusDeskAdminConfig",  # django.contrib.admin with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    # core before django_q: its qcluster command replaces django-q2's (a signal handler
    # that stops once; see core/management/commands/qcluster.py).
    "core",
    "django_q",
    "import_export",
    "django_select2",
    "simple_history",
    "axes",
    "django_ratelimit",
    "phonenumber_field",
    "bonuses",
    "admin_site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads a request's body: uploads are bounded (IMPORT_MAX_BYTES).
    "core.uploads.UploadLimitMiddleware",
    "core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Turns a rate limit (django-ratelimit's Ratelimited) into the 429 page of RATELIMIT_VIEW.
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: it turns lockouts raised by the backend into responses.
    "axes.middleware.AxesMiddleware",
]
if not DEBUG:
    # whitenoise comes with requirements/prod.txt; development serves static files itself.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project directory comes first so that admin_site can override
        # admin/index.html (the dashboard) over Unfold's own template.
        "DIRS": [BASE_DIR / "admin_site" / "templates", BASE_DIR / "core" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web process and the django-q2 worker write to the same file. WAL lets readers go
    # on while one writes; IMMEDIATE takes the write lock when a transaction starts (not
    # half-way, where SQLite can only fail with "database is locked"); the timeout makes
    # the second writer wait for the first instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# The member page's hand-written queries are prepared once per PostgreSQL connection
# (core.prepared); off behind PgBouncer in transaction mode, which shares sessions.
PREPARED_STATEMENTS = env.bool("PREPARED_STATEMENTS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: shared by every web process (django-select2 keeps widget state in it) ------
REDIS_URL = env.str("REDIS_URL", default="")
# Names this site's keys in a shared Redis: the cache's prefix and the django-q2 cluster's
# name (its queue and heartbeat keys). Sites sharing one Redis need different names.
REDIS_PREFIX = env.str("REDIS_PREFIX", default="bonusdesk")
if REDIS_URL:
    # Sessions read from Redis and written through to the database: a page costs no
    # session query, and a session still outlives a Redis restart (logout deletes both).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
else:
    # The cache table is created by a migration (core/migrations), so `migrate` is enough.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "bonusdesk_cache",
        }
    }
SELECT2_CACHE_BACKEND = "default"
# Rate limits (django-ratelimit) count in their own cache alias: the shared cache in
# production, a per-process memory cache in tests so that each test starts from zero.
CACHES["ratelimit"] = (
    {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
    if TESTING
    else dict(CACHES["default"])
)
RATELIMIT_USE_CACHE = "ratelimit"
# Referral link visits (bonuses.services.visits) remember who was counted today in their
# own alias: Redis when there is one (shared by every web process); otherwise a memory
# cache per process, because the database cache would add a second write to every visit
# of /r/<code>/ (a person may then count once per process a day, still under the cap).
CACHES["visits"] = (
    dict(CACHES["default"])
    if REDIS_URL and not TESTING
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "visits"}
)
# The most visits of one member's referral link counted in one day: a script opening the
# link from many addresses stops counting there.
REFERRAL_VISIT_CAP = env.int("REFERRAL_VISIT_CAP", default=200)
RATELIMIT_VIEW = "bonuses.views.limits.too_many_requests"
RATELIMIT_IP_META_KEY = "core.clientip.client_ip"  # its "ip" key: the same client as axes'
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit lists the cache backends it was tested with; Django's own Redis
    # backend (4.0+) is not on that list but increments atomically (Redis INCR).
    "django_ratelimit.W001",
    # It also refuses the database cache, whose increment is a read and a write: two
    # requests at the same instant may count once. Acceptable for the embedded default
    # (a throttle, not a ledger); REDIS_URL makes the counts exact (docs/deploy.md).
    "django_ratelimit.E003",
]

# --- Background tasks: django-q2 ------------------------------------------------------
Q_CLUSTER = {
    "name": REDIS_PREFIX,
    "workers": env.int("Q_WORKERS", default=2),
    # A month close on a large club runs for minutes: retry must exceed timeout or the
    # broker hands the same task to a second worker while the first still runs it.
    "timeout": 60 * 30,
    "retry": 60 * 45,
    "max_attempts": 1,
    "catch_up": False,
    "label": _("Background tasks"),
    "sync": TESTING,
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that loads the member with the user (one query for both a request).
    "bonuses.auth.MemberBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "bonuses:login"
LOGIN_REDIRECT_URL = "/me/"
LOGOUT_REDIRECT_URL = "/"

# django-axes: throttle failed logins per username and address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "bonuses/lockout.html"
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip"

# --- Internationalisation -------------------------------------------------------------
# The club works in Russian; tests read the English source strings unless they switch
# language themselves, so a new translation never breaks an assertion.
LANGUAGE_CODE = "en" if TESTING else "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Almaty")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
# One format per language for dates, months and numbers (config/formats/<language>).
FORMAT_MODULE_PATH = ["config.formats"]
PHONENUMBER_DEFAULT_REGION = env.str("PHONE_REGION", default="KZ")
PHONENUMBER_DB_FORMAT = "E164"

# --- Club -----------------------------------------------------------------------------
CLUB_NAME = env.str("CLUB_NAME", default="BonusDesk")
CURRENCY_SIGN = env.str("CURRENCY_SIGN", default="₸")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
YANDEX_METRIKA_ID = "" if TESTING else env.str("YANDEX_METRIKA_ID", default="")

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded spreadsheets hold members' personal data: they live outside MEDIA_ROOT, where
# no URL serves them, and every web process and worker must see the same folder.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "imports": {
        "BACKEND": "core.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT / "imports"},
    },
}
if not DEBUG:
    # collectstatic writes gzip and Brotli copies and names every file by its content's
    # hash; whitenoise then serves the hashed names with a ten-year immutable max-age.
    STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"

# --- Imports --------------------------------------------------------------------------
# The largest upload accepted, refused before it is stored. A members file of a
# 1 000 000-member club is about 200 MB as CSV (docs/benchmarks.md); web servers in front
# must allow the same size (nginx's client_max_body_size).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=300 * 1024 * 1024)
# Rows with data, and what an XLSX may expand to once unzipped (a zip bomb is refused
# before a single cell is parsed).
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=2_000_000)
IMPORT_MAX_UNZIPPED_BYTES = env.int("IMPORT_MAX_UNZIPPED_BYTES", default=2 * 1024 * 1024 * 1024)
# Uploads larger than this (about 2 000 rows) are checked and imported by the worker;
# smaller ones are checked in the request unless the check overruns IMPORT_REQUEST_SECONDS.
IMPORT_BACKGROUND_BYTES = env.int("IMPORT_BACKGROUND_BYTES", default=200_000)
IMPORT_REQUEST_SECONDS = env.float("IMPORT_REQUEST_SECONDS", default=3.0)
# The worker's limit for one check; it stays below the task timeout (Q_CLUSTER below) so
# the job fails with a reason instead of being killed.
IMPORT_CHECK_SECONDS = env.int("IMPORT_CHECK_SECONDS", default=20 * 60)
# Days a failed or refused job keeps its file (to check it again); an imported file is
# deleted at once.
IMPORT_KEEP_FAILED_DAYS = env.int("IMPORT_KEEP_FAILED_DAYS", default=7)

# --- Mail: password resets, claim links, month-close statements -----------------------
# The console in development (letters are printed by the process that sends them: the
# worker, for statements); in production the SMTP backend with the server's settings.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Where the file backend writes letters (`make demo` uses it: see the Makefile).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "private" / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# Seconds an SMTP call may hang before the statement is marked failed and the batch
# goes on (None would let one stuck server hold a worker).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="bonusdesk@localhost")

# --- HTTPS and proxies (docs/deploy.md) -------------------------------------------------
# How many reverse proxies stand in front of gunicorn and append to X-Forwarded-For (0:
# none, the header is ignored). core.clientip reads the client's address with it, for
# login lockouts and rate limits alike; X-Forwarded-Proto is believed only when a proxy
# is declared, since a client talking to gunicorn directly could send it too.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
if PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    # Production defaults are the safe ones; each can be turned off for a setup that
    # needs it (e.g. SECURE_SSL_REDIRECT=off while TLS is not set up yet).
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers and uptime checks call /health/ on the plain-HTTP port.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

from admin_site.unfold_config import UNFOLD  # noqa: E402,F401  (kept beside the admin it styles)
