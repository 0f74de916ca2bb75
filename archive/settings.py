"""Settings for the archive, all from environment variables and safe by default.

DEBUG is off unless ARCHIVE_DEBUG=1. SECRET_KEY comes from the environment (`make run`
generates one once into the ignored file .secret_key). ARCHIVE_HTTPS=1 turns on the
settings a site served over HTTPS needs (`manage.py check --deploy` is clean with it).
"""

import os
from datetime import timedelta
from pathlib import Path

from archive.db import database_config, embedded_url

BASE_DIR = Path(__file__).resolve().parent.parent


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in ("1", "true", "yes", "on")


DEBUG = _flag("ARCHIVE_DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    key_file = BASE_DIR / ".secret_key"
    if key_file.exists():
        SECRET_KEY = key_file.read_text().strip()
    elif DEBUG or os.environ.get("ARCHIVE_ALLOW_EPHEMERAL_KEY"):
        from django.core.management.utils import get_random_secret_key

        SECRET_KEY = get_random_secret_key()
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Set SECRET_KEY (or run `make run`, which creates .secret_key).")

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "axes",
    "decisions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "decisions.middleware.security_headers",
    "decisions.middleware.read_replicas",
    "decisions.middleware.archive_generation",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "decisions.middleware.refuse_nul",
    "django.middleware.common.CommonMiddleware",
    "decisions.caching.http_caching",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: it turns a login that axes refused into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "archive.urls"
WSGI_APPLICATION = "archive.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": database_config(os.environ.get("DATABASE_URL") or embedded_url())}
if os.environ.get("ARCHIVE_TEST_DB"):
    # Lets two test runs share one server without dropping each other's test database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["ARCHIVE_TEST_DB"]}
# Streaming replicas of the primary (comma-separated postgresql:// URLs): anonymous public
# reads go to them, everything else to the primary (archive/routers.py). A short connect
# timeout: a replica that is down costs one request at most two seconds, then is skipped for 30 s.
ARCHIVE_REPLICAS = []
for _url in filter(None, (u.strip() for u in os.environ.get("DATABASE_REPLICA_URLS", "").split(","))):
    _alias = f"replica{len(ARCHIVE_REPLICAS) + 1}"
    DATABASES[_alias] = database_config(_url)
    DATABASES[_alias]["OPTIONS"].setdefault("connect_timeout", 2)
    # Tests create no database for it: it reads the test database of "default".
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    ARCHIVE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["archive.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "da"
LANGUAGES = [("da", "Dansk")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("ARCHIVE_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("ARCHIVE_MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if _flag("ARCHIVE_PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# A table in the same database, so every process (web workers, `ingest`) sees one cache;
# search facet counts are cached per archive generation, which every ingest bumps.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "archive_cache",
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
    # Whole public pages (decisions/caching.py), in each process's memory: a page is kept under
    # its archive generation, which every request reads from the database, so no process ever
    # serves a page of an older archive, and app servers stay interchangeable. A round trip to
    # the shared table for each page cost 676 against N requests/s (README, Performance).
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "archive-pages",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("ARCHIVE_PAGE_CACHE_ENTRIES", 500))},
    },
}

# HTTP caching of the public site (decisions/caching.py): how long a browser, proxy or CDN may
# serve an answer again without asking (the archive changes only when minutes are loaded), and
# the cache that keeps whole answers per archive generation ("" turns it off) and for how long.
ARCHIVE_CACHE_SECONDS = int(os.environ.get("ARCHIVE_CACHE_SECONDS", 60))
ARCHIVE_PAGE_CACHE = "pages" if _flag("ARCHIVE_PAGE_CACHE", default=True) else ""
ARCHIVE_PAGE_CACHE_SECONDS = int(os.environ.get("ARCHIVE_PAGE_CACHE_SECONDS", 600))
# One search (its page, API answer or feed) may take this long in all its statements.
ARCHIVE_SEARCH_SECONDS = float(os.environ.get("ARCHIVE_SEARCH_SECONDS", 4))
# Minutes files larger than this are refused before they are read (ingest and upload).
# Minutes whose format does not name their municipality, ingested without --municipality.
ARCHIVE_DEFAULT_MUNICIPALITY = os.environ.get("ARCHIVE_DEFAULT_MUNICIPALITY") or "Odense Kommune"
ARCHIVE_MAX_MINUTES_BYTES = int(os.environ.get("ARCHIVE_MAX_MINUTES_BYTES", 20 * 1024 * 1024))
# Attachment files ("Bilag") given to items in the admin may be larger reports.
ARCHIVE_MAX_ATTACHMENT_BYTES = int(os.environ.get("ARCHIVE_MAX_ATTACHMENT_BYTES", 50 * 1024 * 1024))
# One admin request reads all its uploaded files (PDFs in a child process) within this many
# seconds, well below gunicorn's worker timeout (archive/gunicorn.conf.py).
ARCHIVE_UPLOAD_SECONDS = float(os.environ.get("ARCHIVE_UPLOAD_SECONDS", 20))
# manage.py harvest names the archive and this contact (an e-mail address or a URL) in its
# User-Agent, so that a site's operators can reach whoever runs it; and waits this long for an answer.
ARCHIVE_HARVEST_CONTACT = os.environ.get("ARCHIVE_HARVEST_CONTACT", "").strip()
ARCHIVE_HARVEST_TIMEOUT = float(os.environ.get("ARCHIVE_HARVEST_TIMEOUT", 30))

# E-mail (alerts, decisions.alerts) through Django's e-mail framework. Without EMAIL_HOST the
# e-mails are written to the console (`make run`); with it, sent over SMTP.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 587 if _flag("EMAIL_USE_TLS") else 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS")
EMAIL_USE_SSL = _flag("EMAIL_USE_SSL")
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", 30))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Beslutningsarkivet <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The archive's public address, for the links in e-mails (never taken from a request's Host).
ARCHIVE_BASE_URL = os.environ.get("ARCHIVE_BASE_URL", "http://127.0.0.1:8000").strip().rstrip("/")
# Daily alerts go out at the first `send_alerts` after this hour (local time), weekly ones on
# this weekday (0 = Monday) at that hour.
ARCHIVE_ALERT_HOUR = int(os.environ.get("ARCHIVE_ALERT_HOUR", 7))
ARCHIVE_ALERT_WEEKDAY = int(os.environ.get("ARCHIVE_ALERT_WEEKDAY", 0))
# Forms (subscribe, "send me my link") one client IP address may send an hour, and e-mails
# such forms may cause to one address a day.
ARCHIVE_ALERT_IP_LIMIT = int(os.environ.get("ARCHIVE_ALERT_IP_LIMIT", 20))
ARCHIVE_ALERT_ADDRESS_LIMIT = int(os.environ.get("ARCHIVE_ALERT_ADDRESS_LIMIT", 5))
# How long the link to an address's page in an e-mail works; entries in one alert e-mail.
ARCHIVE_ALERT_LINK_DAYS = int(os.environ.get("ARCHIVE_ALERT_LINK_DAYS", 30))
ARCHIVE_ALERT_MAX_ENTRIES = int(os.environ.get("ARCHIVE_ALERT_MAX_ENTRIES", 100))

# Security headers; the HTTPS-only ones are switched on by ARCHIVE_HTTPS=1.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The site has no JavaScript of its own and no inline scripts or styles; the admin's scripts
# and styles are files of the same origin. Uploaded media get a stricter one (views/media.py).
ARCHIVE_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'none'"
)
ARCHIVE_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
SESSION_COOKIE_HTTPONLY = True
_HTTPS = _flag("ARCHIVE_HTTPS")
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_SSL_REDIRECT = _HTTPS
SECURE_HSTS_SECONDS = 31536000 if _HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = _HTTPS
ARCHIVE_BEHIND_PROXY = _flag("ARCHIVE_BEHIND_PROXY")
if ARCHIVE_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Passwords. 12 characters: editors' accounts change the public record, and 12 lets a
# passphrase of three short words through while ruling out the short ones a guesser tries
# first (NIST SP 800-63B's 8 is a floor, not a target).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Logins (django-axes): 5 wrong passwords within 30 minutes lock the account, from anywhere,
# and separately the client's IP address, for every account; the lock lifts when the failures
# are 30 minutes old, or when an admin runs `manage.py axes_reset_username NAME` (or
# `axes_reset_ip ADDRESS`). 30 minutes caps a guesser at 240 tries a day per account, hopeless
# against the passwords above, and a locked-out editor is back after a coffee without calling anyone.
AUTHENTICATION_BACKENDS = [
    # First, so a locked account is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own, not the pair
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_RESET_ON_SUCCESS = True
# Tries made while locked are refused but not counted, so the lock lifts at the latest 30 minutes
# after it began, as the lockout page says, instead of starting over with every hopeful retry.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Attempts are rows in the database, so every gunicorn worker sees the same counts.
AXES_HANDLER = "archive.logins.ArchiveAxesHandler"
AXES_CLIENT_IP_CALLABLE = "archive.logins.client_ip"
AXES_LOCKOUT_CALLABLE = "archive.logins.lockout_response"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ARCHIVE_LOG_LEVEL", "WARNING")},
}
