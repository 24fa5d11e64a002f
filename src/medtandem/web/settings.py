"""Django settings, read from the environment (twelve-factor).

Variables: DATABASE_URL (default: SQLite under ./var), SECRET_KEY, DEBUG, ALLOWED_HOSTS,
MEDTANDEM_PRODUCTION (turns on HTTPS-only cookies and HSTS), MEDTANDEM_DATA_DIR.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parents[1]
BASE_DIR = Path(os.environ.get("MEDTANDEM_HOME", Path.cwd()))
VAR_DIR = Path(os.environ.get("MEDTANDEM_VAR_DIR", BASE_DIR / "var"))


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


PRODUCTION = _flag("MEDTANDEM_PRODUCTION")
# Off unless asked for (DEBUG=1 on a developer's machine): the demo runs like production, so its
# error pages never list the URL patterns nor show a traceback.
DEBUG = _flag("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise RuntimeError("DEBUG must be off in production (MEDTANDEM_PRODUCTION=1)")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set in production (MEDTANDEM_PRODUCTION=1)")
    SECRET_KEY = "dev-only-insecure-key-not-for-production-use-0123456789abcdefghijklmnop"
ALLOWED_HOSTS = [
    h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "medtandem.apps.accounts",
    "medtandem.apps.cases",
    "medtandem.apps.reading",
    "medtandem.apps.curriculum",
    "medtandem.apps.studies",
    "medtandem.apps.observatory",
    "medtandem.apps.audit",
    "medtandem.apps.datathons",
    "medtandem.apps.catalogue",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are always served by WhiteNoise (demo, tests and production alike): DEBUG stays off.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "medtandem.web.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "medtandem.web.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "medtandem.web.urls"
TEMPLATES = [
    {
        # Django's backend; its duplicate-label check knows the two replaced libraries below.
        "BACKEND": "medtandem.web.template_memo.DjangoTemplates",
        "NAME": "django",
        "DIRS": [PACKAGE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "medtandem.web.context.navigation",
            ],
            "builtins": ["medtandem.web.numbers", "medtandem.web.url_tags"],
            # Django's own i18n, static and url tags, with constant ones kept per language
            # (medtandem.web.template_memo).
            "libraries": {
                "i18n": "medtandem.web.i18n_tags",
                "static": "medtandem.web.static_tags",
            },
        },
    }
]
WSGI_APPLICATION = "medtandem.web.wsgi.application"
ASGI_APPLICATION = "medtandem.web.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'medtandem.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the demo server and a CLI import share the file.
    # IMMEDIATE transactions take the write lock at BEGIN, so concurrent writers queue on the busy
    # timeout instead of failing with "database is locked" when a read lock cannot be upgraded.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": int(os.environ.get("SQLITE_BUSY_TIMEOUT_S", "30")),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "reading:dashboard"
LOGOUT_REDIRECT_URL = "home"
#: Failed log-ins allowed per (identity, client address) within the window, then refused. The identity
#: is the account the backend resolves (any spelling of a name counts as that name).
LOGIN_THROTTLE_ATTEMPTS = int(os.environ.get("LOGIN_THROTTLE_ATTEMPTS", "5"))
#: Failed log-ins allowed per client address, whatever the names tried (password spraying).
LOGIN_THROTTLE_ADDRESS_ATTEMPTS = int(os.environ.get("LOGIN_THROTTLE_ADDRESS_ATTEMPTS", "20"))
#: Failed log-ins allowed per identity from all addresses together (distributed guessing).
LOGIN_THROTTLE_IDENTITY_ATTEMPTS = int(os.environ.get("LOGIN_THROTTLE_IDENTITY_ATTEMPTS", "50"))
LOGIN_THROTTLE_WINDOW_S = int(os.environ.get("LOGIN_THROTTLE_WINDOW_S", "900"))

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- uploads and request sizes -----------------------------------------------------------------
#: Largest uploaded file read by any import, and most lines (header included) of an uploaded CSV.
MEDTANDEM_MAX_UPLOAD_BYTES = int(os.environ.get("MEDTANDEM_MAX_UPLOAD_BYTES", str(5 * 1024 * 1024)))
MEDTANDEM_MAX_UPLOAD_ROWS = int(os.environ.get("MEDTANDEM_MAX_UPLOAD_ROWS", "50000"))
#: Per kind of upload: (max bytes, max rows). See medtandem.web.uploads.limits.
MEDTANDEM_UPLOAD_LIMITS = {
    "study_reads": (MEDTANDEM_MAX_UPLOAD_BYTES, MEDTANDEM_MAX_UPLOAD_ROWS),
    "enrolment": (
        MEDTANDEM_MAX_UPLOAD_BYTES,
        int(os.environ.get("MEDTANDEM_MAX_ENROLMENT_ROWS", "20000")),
    ),
    "quiz": (int(os.environ.get("MEDTANDEM_MAX_QUIZ_UPLOAD_BYTES", str(2 * 1024 * 1024))), None),
    # A datathon predictions file: one row per case of a phase (a few thousand at most).
    "datathon_predictions": (
        int(os.environ.get("MEDTANDEM_MAX_PREDICTIONS_BYTES", str(1024 * 1024))),
        int(os.environ.get("MEDTANDEM_MAX_PREDICTIONS_ROWS", "10001")),
    ),
}
#: Any request whose declared body is larger is refused with 413 before Django reads it.
MEDTANDEM_MAX_REQUEST_BYTES = int(
    os.environ.get("MEDTANDEM_MAX_REQUEST_BYTES", str(MEDTANDEM_MAX_UPLOAD_BYTES + 1024 * 1024))
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # non-file form data and JSON bodies
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads are spooled to a temporary file
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 5

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [PACKAGE_DIR / "web" / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _flag("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# WhiteNoise serves the static files in every mode. In production: hashed, compressed files from
# STATIC_ROOT after `collectstatic`. Elsewhere (demo, tests): plain names, and WhiteNoise also finds
# files in the app folders, so nothing needs `collectstatic` (the demo runs it anyway into var/static).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
#: Failed CSRF checks render our own page (in the site's layout) instead of Django's.
CSRF_FAILURE_VIEW = "medtandem.web.views.csrf_failure"

#: Where the trained ECG model lives (ONNX + model card); defaults to the one shipped in the package.
MEDTANDEM_MODEL_DIR = os.environ.get("MEDTANDEM_MODEL_DIR", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

#: E-mail: set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS,
#: DEFAULT_FROM_EMAIL) to send mail; without it MedTandem sends none (notices stay on the dashboard).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "MedTandem <no-reply@localhost>")
MEDTANDEM_NOTIFY_BY_EMAIL = bool(os.environ.get("EMAIL_HOST"))
# --- Production serving and background work (issue 12; helper-production) -----------------------
# Kept in one block so that it merges apart from the other settings. See docs/operations.md.
#: Sessions are read from the cache and written through to the database: one query fewer per
#: request on every page, and still revocable (logging out deletes the row).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
#: Argon2id at OWASP's parameters (m=19 MiB, t=2, p=1); older hashes are upgraded at log-in.
PASSWORD_HASHERS = ["medtandem.web.hashers.OwaspArgon2PasswordHasher", *PASSWORD_HASHERS]
#: Django's model back-end with the per-request user query compiled once (accounts.backends); the
#: plain one stays listed so that sessions signed in through it remain valid.
AUTHENTICATION_BACKENDS = [
    "medtandem.apps.accounts.backends.AccountsBackend",
    "django.contrib.auth.backends.ModelBackend",
]
#: A persistent connection broken by a database restart is detected at the start of a request,
#: not by the learner's first query.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = (
    DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3"
)
# Responses compressed (after WhiteNoise, which serves its own pre-compressed static files); a lost
# database connection answers a retryable JSON 503. BREACH: see docs/operations.md.
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1
    if "whitenoise.middleware.WhiteNoiseMiddleware" in MIDDLEWARE
    else 1,
    "medtandem.web.compression.GZipMiddleware",
)
MIDDLEWARE.append("medtandem.web.availability.DatabaseUnavailableMiddleware")
INSTALLED_APPS.append("medtandem.apps.jobs")
#: The task queue (huey): empty = the application's database (PostgreSQL; on SQLite a queue file
#: under VAR_DIR); redis://... at scale. See medtandem.apps.jobs.queue.
MEDTANDEM_QUEUE_URL = os.environ.get("MEDTANDEM_QUEUE_URL", "")
MEDTANDEM_QUEUE_NAME = os.environ.get("MEDTANDEM_QUEUE_NAME", "medtandem")
#: Seconds a queued job waits for a worker before the reaper pushes it again (jobs.services).
MEDTANDEM_JOB_QUEUED_GRACE_S = float(os.environ.get("MEDTANDEM_JOB_QUEUED_GRACE_S", "300"))
#: Cache keys carry a prefix: a Redis may be shared with other services.
CACHES["default"].setdefault("KEY_PREFIX", os.environ.get("CACHE_KEY_PREFIX", "medtandem"))
# --- end of issue 12 block ---------------------------------------------------------------------

# --- interoperability (issue 15): LTI 1.3 tool, xAPI outbox, Open Badges -----------------------
INSTALLED_APPS.append("medtandem.apps.interop")
# Inside the ContentSecurityPolicy and X-Frame-Options middlewares: a person who came from an LTI
# platform may see our pages in that platform's iframe (frame-ancestors: that platform only).
MIDDLEWARE.insert(
    MIDDLEWARE.index("medtandem.web.middleware.ContentSecurityPolicyMiddleware") + 1,
    "medtandem.apps.interop.middleware.LtiFrameMiddleware",
)
#: Inside Moodle's iframe our cookies are third-party: browsers send them only when they are
#: ``SameSite=None; Secure``. Set MEDTANDEM_LTI_IFRAME=1 in production (HTTPS) for that; without
#: it, or where the browser blocks third-party cookies, launches continue in a new window
#: (docs/interop.md, "Inside Moodle's iframe").
MEDTANDEM_LTI_IFRAME = _flag("MEDTANDEM_LTI_IFRAME", False)
if PRODUCTION and MEDTANDEM_LTI_IFRAME:
    SESSION_COOKIE_SAMESITE = "None"
    CSRF_COOKIE_SAMESITE = "None"
#: The public address of this deployment: xAPI activity ids and the learner accounts' home page.
MEDTANDEM_SITE_URL = os.environ.get("MEDTANDEM_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
#: The learning record store that receives xAPI statements (empty: none; statements are not
#: collected). Its base URL, e.g. https://lrs.example.fr (statements go to <url>/xAPI/statements).
MEDTANDEM_XAPI_LRS_URL = os.environ.get("MEDTANDEM_XAPI_LRS_URL", "").rstrip("/")
MEDTANDEM_XAPI_LRS_USER = os.environ.get("MEDTANDEM_XAPI_LRS_USER", "")
MEDTANDEM_XAPI_LRS_PASSWORD = os.environ.get("MEDTANDEM_XAPI_LRS_PASSWORD", "")
