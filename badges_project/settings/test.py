"""Test runs: fast password hashing, in-memory e-mail, eager tasks."""

from .base import *  # noqa: F403
from .base import DATABASES, REST_FRAMEWORK, SQLITE_OPTIONS, env

SECRET_KEY = "test-secret-key-with-enough-length-and-entropy-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "imports": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env("TEST_SQLITE_NAME", default=":memory:"),
        "OPTIONS": SQLITE_OPTIONS,
    }

CELERY_TASK_ALWAYS_EAGER = True

# The API takes JSON only: the test client sends JSON unless a test says otherwise.
REST_FRAMEWORK = {**REST_FRAMEWORK, "TEST_REQUEST_DEFAULT_FORMAT": "json"}
WHITENOISE_AUTOREFRESH = True

# Webhook receivers in development and tests listen on this machine.
WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", default=True)
