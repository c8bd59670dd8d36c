"""SPEC 1: tasks run in-process when no broker is configured, and through the broker when one
is (Redis in the PostgreSQL pass of `make test`), on the queue the environment names; every
process knows the tasks, a web process too."""

import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
from celery import signals
from django.db import connection

from badges.services.notifications import DELIVER_TASK
from badges_project.celery import app

PROBE = """
from badges_project.celery import app
import django
django.setup()
app.conf.update(broker_connection_timeout=3)
print(app.conf.task_always_eager)
if not app.conf.task_always_eager:
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1)
    print("connected")
"""
WEB_PROCESS = "import badges_project.wsgi\nfrom badges_project.celery import app\n"


def run_probe(probe: str = PROBE, **env) -> list[str]:
    """``probe``'s output in a fresh process on the dev settings, without a database."""
    environment = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    environment.update(DJANGO_SETTINGS_MODULE="badges_project.settings.dev", **env)
    environment.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", probe], env=environment, capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def test_tasks_run_in_process_without_a_broker():
    assert run_probe() == ["True"]


@pytest.mark.redis
def test_tasks_go_through_the_configured_broker():
    assert run_probe(CELERY_BROKER_URL=os.environ["CELERY_BROKER_URL"]) == ["False", "connected"]


def test_a_web_process_knows_the_delivery_task_it_queues_by_name():
    """Queued on commit by name: unknown there, it was never queued and waited for the sweep."""
    assert run_probe(WEB_PROCESS + f"print({DELIVER_TASK!r} in app.tasks)") == ["True"]


def test_tasks_go_to_the_queue_the_environment_names():
    probe = WEB_PROCESS + "print(app.conf.task_default_queue)"
    assert run_probe(probe) == ["celery"]
    assert run_probe(probe, CELERY_TASK_DEFAULT_QUEUE="badges-eu") == ["badges-eu"]


class WorkerTask:
    """What a task signal's sender carries, for a task a worker runs (not eagerly)."""

    request = SimpleNamespace(is_eager=False)


@pytest.mark.postgres  # SQLite never closes an in-memory database's connection
@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_its_database_connection_between_tasks_until_it_is_old():
    connection.ensure_connection()
    kept = connection.connection
    connection.close_at = time.monotonic() + 60  # what CONN_MAX_AGE sets
    signals.task_prerun.send(sender=WorkerTask)
    signals.task_postrun.send(sender=WorkerTask)
    assert connection.connection is kept
    connection.close_at = time.monotonic() - 1
    signals.task_postrun.send(sender=WorkerTask)
    assert connection.connection is None


def test_celerys_fixup_leaves_the_connections_to_the_project():
    assert app.conf.get("CELERY_DB_REUSE_MAX")
