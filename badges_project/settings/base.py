"""Settings shared by every environment; everything that differs is read from the environment.

Variables: DJANGO_SECRET_KEY, DJANGO_DEBUG, DJANGO_ALLOWED_HOSTS, DATABASE_URL (default SQLite in
the project folder), CELERY_BROKER_URL (unset: tasks run eagerly in-process).
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

# Applications -------------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "csp",
    "badges",
    "groups",
    "customfields",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "badges_project.urls"
WSGI_APPLICATION = "badges_project.wsgi.application"

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

# Database -----------------------------------------------------------------------------------
# SQLite writers take the database lock when their transaction starts (IMMEDIATE), so two
# concurrent services serialize instead of failing half-way with "database is locked".

SQLITE_OPTIONS = {"transaction_mode": "IMMEDIATE", "timeout": 20}

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
else:
    # Django's backend, reading instants faster (badges_project/postgresql/base.py).
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "badges_project.postgresql"
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A session waits at most this long for a row lock, then the request answers 503 Busy
    # (docs/concurrency.md); set on the connection, so that no transaction spends a round trip
    # on it. Migrations wait no longer either (docs/deploy.md).
    lock_timeout = env.str("DJANGO_DB_LOCK_TIMEOUT", default="5s")
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c lock_timeout={lock_timeout}"
    # Parameters bound by the server, and statements a connection has run twice prepared: the hot
    # paths' statements skip parsing and planning (an issue call 20% faster, docs/deploy.md).
    # Off (DJANGO_DB_PREPARED=false) behind a pooler that can't keep prepared statements.
    if env.bool("DJANGO_DB_PREPARED", default=True):
        DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=2)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Internationalisation and time: everything is stored in UTC; org timezones decide boundaries.

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files -------------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env("DJANGO_MEDIA_URL", default="media/")
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
# Files uploaded to the import page and their reports (SPEC 14): never served publicly, read
# back only by the import task and the report view of the org's users.
IMPORTS_ROOT = env.path("DJANGO_IMPORTS_ROOT", default=BASE_DIR / "imports")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "imports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(IMPORTS_ROOT)},
    },
}
# Connections an import file's batches are written over on PostgreSQL, a customer's rows always
# on the same one (badges.imports.services.lanes); 1 writes them all on the import's own.
IMPORTS_LANES = env.int("DJANGO_IMPORTS_LANES", default=2)
# Stored images served by the app itself (badges_project.media), with their safety headers;
# production sets it false when a media origin or object storage serves them (docs/deploy.md).
MEDIA_SERVED_BY_APP = env.bool("DJANGO_MEDIA_SERVED_BY_APP", default=True)

# The browser UI signs in with Django's auth views (badges_project/ui).
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "badges-ui:universe"
LOGOUT_REDIRECT_URL = "login"

# Content security policy of every page (django-csp): scripts, styles, fonts and connections
# from the app's own origin only, no inline script, no eval; images also as data: URLs
# (Bootstrap draws its form controls' icons with them) and blob: URLs (the upload page's
# previews of a file chosen, before it is sent). Pages are never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# REST framework -----------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "badges_project.api.access.MemberTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "badges_project.api.renderers.JSONRenderer",
        "badges_project.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["badges_project.api.filtering.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "badges_project.api.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "badges_project.api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "badges_project.api.errors.exception_handler",
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Badges platform API",
    "DESCRIPTION": (
        "Badge definitions, enrolment and issuance for loyalty programs. Every request acts in "
        "one org: the caller's only org, or the org whose slug is sent in the `X-Org` header."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ModuleEnum": "badges.choices.Module",
        "TimeUnitEnum": "badges.choices.TimeUnit",
        "BadgeStatusEnum": "badges.choices.BadgeStatus",
        "FixedWindowStatusEnum": "badges.choices.FixedWindowStatus",
        "IssuanceStatusEnum": "badges.choices.IssuanceStatus",
        "IssuanceSourceEnum": "badges.choices.IssuanceSource",
        "IssueSourceEnum": "badges.choices.IssueSource",
        "IssueRefusalCodeEnum": "badges.choices.ISSUE_REFUSALS",
        "LimitKindEnum": "badges.choices.LimitKind",
        "EnrolRefusalCodeEnum": "badges.choices.ENROL_REFUSALS",
        "IssueResultStatusEnum": ["ISSUED", "REFUSED", "WOULD_ISSUE"],
        "EnrolResultStatusEnum": ["ENROLLED", "REFUSED"],
        "EventTypeEnum": "badges.events.choices.EventType",
        "EventStatusEnum": "badges.events.choices.EventStatus",
        "RuleActionEnum": "badges.events.choices.RuleAction",
        "TargetKindEnum": "badges.events.choices.TargetKind",
        "OutcomeKindEnum": "badges.events.choices.OutcomeKind",
        "OutcomeResultEnum": "badges.events.api.event_serializers.RESULTS",
        "ImportRowStatusEnum": "badges.imports.choices.RowStatus",
        "BadgeImportStatusEnum": "badges.imports.api.serializers.BADGE_STATUSES",
    },
}

# Celery -------------------------------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# The queue every task goes to and every worker takes from: deployments (or test runs) sharing
# one broker keep apart by naming their own.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "UTC"
# Celery's Django fixup closes every database connection around each task unless this is set;
# it then closes them every 2 x this many tasks. Between tasks the worker keeps its connections
# as a web process does between requests (badges_project.celery).
CELERY_DB_REUSE_MAX = 500
# Every job of SPEC 16; each is also a management command (docs/deploy.md, Jobs).
CELERY_BEAT_SCHEDULE = {
    "fixed-window-rollover": {
        "task": "badges.tasks.roll_over_fixed_windows",
        "schedule": crontab(minute="*/15"),
    },
    "issued-count-sync": {
        "task": "badges.tasks.sync_issued_counts",
        "schedule": crontab(minute=0, hour="*/2"),
    },
    "issuance-expiry": {
        "task": "badges.tasks.expire_issuances",
        "schedule": crontab(minute=5),
    },
    # Deliveries are queued when their change commits; the sweep sends what a broker outage
    # or a retry's delay left due.
    "notification-delivery-sweep": {
        "task": "badges.tasks.deliver_notifications",
        "schedule": timedelta(seconds=env.int("NOTIFICATION_SWEEP_SECONDS", default=60)),
    },
    # Events are queued when their post commits; the sweep processes those an outage left.
    "event-processing-sweep": {
        "task": "badges.events.tasks.process_pending_events",
        "schedule": timedelta(minutes=1),
    },
    # Import runs a lost worker left RUNNING, taken over before the broker redelivers them.
    "lost-import-runs": {
        "task": "badges.imports.tasks.requeue_lost_import_runs",
        "schedule": timedelta(minutes=5),
    },
}

# Webhooks (SPEC 13) ---------------------------------------------------------------------------

# Webhook URLs resolving to loopback, private or link-local addresses are refused when saved and
# when sent unless this is on (development and test settings turn it on).
WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", default=False)
# The waits between delivery attempts, in seconds; empty for Standard Webhooks' schedule (5 s,
# 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). A staging receiver may want a shorter one.
WEBHOOK_RETRY_DELAYS = env.list("WEBHOOK_RETRY_DELAYS", cast=float, default=[])
