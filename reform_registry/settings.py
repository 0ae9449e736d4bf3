"""Settings of the reform registry, all read from the environment.

DATABASE_URL     dj-database-url style; a SQLite file in the project folder when unset
SECRET_KEY       required unless DEBUG or SECRET_KEY_FILE
SECRET_KEY_FILE  when SECRET_KEY is unset: a file holding the secret, generated there once (e.g.
                 var/secret_key, untracked, for `make run`); relative to the project folder
DEBUG            "true"/"1" to enable
ALLOWED_HOSTS    comma-separated
HTTPS            "true" when served over HTTPS (behind a proxy that sets X-Forwarded-Proto): HSTS,
                 the redirect to HTTPS, secure session and CSRF cookies; unset for plain HTTP on a
                 closed network
LOGIN_FAILURE_LIMIT, LOGIN_LOCKOUT_MINUTES
                 failed logins (per user name and address) before the login is locked, and for
                 how long (5, 30)
TRUSTED_PROXY_COUNT
                 how many proxies in front of the site append to X-Forwarded-For (0): the login
                 lockout counts the client's address they forward instead of the proxy's
DATABASE_REPLICA_URLS
                 comma-separated read replicas of DATABASE_URL (aliases replica1, replica2, …):
                 reads go to them, writes, transactions and a client's reads for
                 DATABASE_PIN_SECONDS (5) after its write to the primary (core.replicas)
DATABASE_REPLICA_RETRY_SECONDS
                 a replica that did not answer is left out for this long (10)
TASKS_BACKEND    where background jobs are queued: "database" (default; the registry's own
                 database, no other service) or "redis"
REDIS_URL        the Redis of TASKS_BACKEND=redis (redis://127.0.0.1:6379/0)
JOB_PROGRESS_DIR where the worker publishes running jobs' progress with TASKS_BACKEND=database
                 (var/job-progress)
WORKBOOK_BACKGROUND_ROWS
                 a workbook uploaded in the admin with more rows than this is imported by the
                 job worker (2000)
"""

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def inline_style_hash(template: Path) -> str:
    """The CSP source of a template's one ``<style>`` block (it holds no template tag): its
    SHA-256, as the browser computes it over the text between the tags."""
    text = template.read_text(encoding="utf-8")
    style = text.split("<style>", 1)[1].split("</style>", 1)[0]
    digest = hashlib.sha256(style.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def secret_key_from_file(name: str) -> str:
    """The secret kept in the file ``name`` (relative to the project folder), generated there
    the first time: random, readable by its owner only, written whole or not at all (when two
    processes start at once, both read the one that was written first)."""
    path = Path(name) if Path(name).is_absolute() else BASE_DIR / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(get_random_secret_key() + "\n")
        try:
            os.link(draft, path)  # fails when another process published its secret first
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(draft, path)
        finally:
            draft.unlink(missing_ok=True)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and os.environ.get("SECRET_KEY_FILE"):
    SECRET_KEY = secret_key_from_file(os.environ["SECRET_KEY_FILE"])
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
# Without DEBUG, a secret (SECRET_KEY, or SECRET_KEY_FILE) is required to serve:
# reform_registry.wsgi refuses to start without it, and Django refuses wherever a secret is
# used. Commands that need no secret (migrate, check, makemigrations) run without one.
SECRET_KEY_MISSING_MESSAGE = "SECRET_KEY must be set unless DEBUG is true."

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "core.apps.CoreConfig",
    "core.apps.RegistryAdminConfig",  # the admin, with the registry's admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "units",
    "staffing",
    "reform_registry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Serves the collected static files (STATIC_ROOT) with DEBUG off, as in production.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "reform_registry.middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.audit.AuditContextMiddleware",
    # Answers a locked-out login with the lockout page (AXES_LOCKOUT_TEMPLATE); last, as axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reform_registry.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "reform_registry.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A kept connection is tested before a request reuses it: after the database restarts,
        # the next request reconnects instead of failing on the dead connection.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

# Read replicas (DESIGN §10, docs/deploy.md "Read replicas"): django-multidb-router's pinning
# router sends reads to a replica and everything else to the primary; after a non-GET request
# its middleware sets a cookie that sends the client's reads to the primary for
# DATABASE_PIN_SECONDS. core.replicas adds: reads inside a transaction, outside a request
# (commands, the job worker) and while every replica is down go to the primary too.
REPLICA_DATABASES = []
for _number, _url in enumerate(
    (u.strip() for u in os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if u.strip()),
    start=1,
):
    _replica = dj_database_url.parse(
        _url,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    # A replica that does not answer is given up quickly (then left out for a while).
    _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # The suite's database has no replica: the test runner reads the replicas' aliases
    # through the primary's test database.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
    REPLICA_DATABASES.append(f"replica{_number}")
MULTIDB_PINNING_SECONDS = int(os.environ.get("DATABASE_PIN_SECONDS", "5"))
MULTIDB_PINNING_COOKIE = "registry_read_primary"
MULTIDB_PINNING_COOKIE_HTTPONLY = True
DATABASE_REPLICA_RETRY_SECONDS = float(os.environ.get("DATABASE_REPLICA_RETRY_SECONDS", "10"))
if REPLICA_DATABASES:
    DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
    # First: a request's reads are placed before any middleware reads (the session, the user).
    MIDDLEWARE.insert(0, "core.replicas.PinningMiddleware")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs (README "Background jobs"; DESIGN §9): tasks are declared with
# django_tasks.task and run by the worker `make run` and `make serve` start beside the server
# (manage.py run_worker). TASKS_BACKEND=database queues them in the registry's own database;
# TASKS_BACKEND=redis in Redis (REDIS_URL), through django-rq.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database").strip().lower() or "database"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
if TASKS_BACKEND not in {"database", "redis"}:
    raise ValueError("TASKS_BACKEND must be 'database' or 'redis'")
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_rq.RQBackend"
            if TASKS_BACKEND == "redis"
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
WORKBOOK_BACKGROUND_ROWS = int(os.environ.get("WORKBOOK_BACKGROUND_ROWS", "2000"))
# A running job's progress is published through the "jobs" cache (reform_registry.jobs):
# Redis beside the Redis queue; otherwise files that the server and the worker of one host
# share (JOB_PROGRESS_DIR).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "jobs": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if TASKS_BACKEND == "redis"
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("JOB_PROGRESS_DIR", str(BASE_DIR / "var" / "job-progress")),
        }
    ),
}

# First the lockout (django-axes: refuses a login locked after repeated failures), then Django's
# model backend, loading with a session's user whether a jurisdiction scope limits it.
AUTHENTICATION_BACKENDS = ["units.lockout.LockoutBackend", "units.backends.RegistryBackend"]

# Login lockout (django-axes): after LOGIN_FAILURE_LIMIT failures for one user name from one
# address, that login is refused, even with the right password, for LOGIN_LOCKOUT_MINUTES; each
# lockout writes an audit row (units.lockout). Attempts are kept in the database, outside the
# admin (its models have no Chinese names); `manage.py axes_reset_username NAME` unlocks earlier.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_COOLOFF_MESSAGE = _("登录失败次数过多，该账号已暂时锁定，请稍后再试或联系管理员解锁。")
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False
# Behind TRUSTED_PROXY_COUNT proxies that each append to X-Forwarded-For, a login is counted
# against the client's address the outermost proxy saw, not the proxy's; with 0 (no proxy),
# against the connection's address, and X-Forwarded-For is ignored (units.lockout.client_address).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "units.lockout.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["core.formats"]  # dates typed and shown YYYY-MM-DD in every language
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic also writes compressed copies, which WhiteNoise serves to clients that
    # accept them. (Not the hashed-names storage: pages could then only render after
    # collectstatic, and the suite renders them without it.)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/units/"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes anonymous requests 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["reform_registry.api.permissions.RegistryReader"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "reform_registry.api.renderers.CSVRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["reform_registry.api.throttling.TokenRateThrottle"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "reform_registry.api.negotiation.RegistryContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["core.api.RegistryFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "reform_registry.api.schema.RegistryAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.RegistryPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "reform_registry.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("API_TOKEN_THROTTLE", "6000/min")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": _("机构编制登记数据接口"),
    "DESCRIPTION": _("部门、事业单位、改革决定与编制。"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EventTypeEnum": "units.choices.EventType",
        "DecisionStatusEnum": "units.choices.DecisionStatus",
        "UnitKindEnum": "units.choices.UnitKind",
        "ParticipantRoleEnum": "units.choices.ParticipantRole",
        "JurisdictionLevelEnum": "units.choices.JurisdictionLevel",
        "QuotaKindEnum": "staffing.choices.QuotaKindCode",
        "AccountTypeEnum": "staffing.choices.AccountType",
        "TransferReasonEnum": "staffing.choices.TransferReason",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "reform_registry.api.schema.add_errors_and_format",
        "reform_registry.api.schema.describe_authentication",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"

# Served over HTTPS (TLS ends at the proxy in front, which sets X-Forwarded-Proto): HSTS for a
# year, plain HTTP redirected, cookies sent over HTTPS only. Unset, the site serves plain HTTP
# (a closed network, `make run`) and none of this applies.
HTTPS = env_bool("HTTPS")
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    MULTIDB_PINNING_COOKIE_SECURE = True

# Content security policy (django-csp): scripts, styles, fonts and frames from the site itself
# only, no inline script or style (the pages, the admin and the API docs load theirs as files);
# images also as data: URIs (the admin's and Swagger UI's icons).
# The one inline style is the server-error page's, which links nothing (it must show when the
# rest is broken): allowed by its hash.
SERVER_ERROR_STYLE_HASH = inline_style_hash(BASE_DIR / "templates" / "500.html")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, SERVER_ERROR_STYLE_HASH],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
