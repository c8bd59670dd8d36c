"""manage.py, WSGI and a Celery worker started without DJANGO_SETTINGS_MODULE agree on the
settings: the production ones, so that nothing started bare runs with debug on."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REPORT = "from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"
ENTRY_POINTS = {
    "celery worker": "\n".join(
        ["from badges_project.celery import app", "import django", "django.setup()", REPORT]
    ),
    "wsgi": "\n".join(["import badges_project.wsgi", REPORT]),
}


def bare_environment(**env) -> dict:
    """The environment of a process started without naming its settings."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE"))}
    environment.update(env)
    return environment


def run(arguments: list[str], **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *arguments],
        env=bare_environment(**env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


SECRETS = {"DJANGO_SECRET_KEY": "x" * 50, "DJANGO_ALLOWED_HOSTS": "badges.example.com"}


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_a_bare_start_runs_the_production_settings_without_debug(entry_point):
    result = run(["-c", ENTRY_POINTS[entry_point]], DJANGO_DEBUG="true", **SECRETS)
    assert result.stdout.split() == ["badges_project.settings.production", "False"], result.stderr


def test_a_bare_manage_py_runs_the_production_settings_without_debug():
    result = run(
        ["manage.py", "shell", "--no-imports", "-c", REPORT], DJANGO_DEBUG="true", **SECRETS
    )
    assert result.stdout.split() == ["badges_project.settings.production", "False"], result.stderr


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_a_bare_start_without_a_secret_key_refuses_to_run(entry_point):
    result = run(["-c", ENTRY_POINTS[entry_point]])
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_media_storage_comes_from_the_environment():
    report = "from django.conf import settings; print(settings.STORAGES['default'])"
    storage = {"DJANGO_MEDIA_STORAGE": "storages.backends.s3.S3Storage"}
    options = {"DJANGO_MEDIA_STORAGE_OPTIONS": '{"bucket_name": "badge-images"}'}
    result = run(
        ["manage.py", "shell", "--no-imports", "-c", report], **SECRETS, **storage, **options
    )
    assert result.stdout.strip() == (
        "{'BACKEND': 'storages.backends.s3.S3Storage', 'OPTIONS': {'bucket_name': 'badge-images'}}"
    ), result.stderr
