"""The Celery app. Without ``CELERY_BROKER_URL`` tasks run eagerly in-process.

A worker or beat started without ``DJANGO_SETTINGS_MODULE`` runs the production settings, like
WSGI and ``manage.py`` (see ``badges_project.settings``).
"""

import os

from celery import Celery, signals
from django.db import close_old_connections

from badges_project.settings import DEFAULT

os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT)

app = Celery("badges_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def connections_kept_as_between_requests(sender=None, **kwargs) -> None:
    """A worker keeps its database connections between tasks as a web process keeps them
    between requests: closed once older than ``CONN_MAX_AGE`` or broken, reused otherwise
    (checked before reuse, ``CONN_HEALTH_CHECKS``). Celery's Django fixup would close them around
    every task, which made each delivery connect again; ``CELERY_DB_REUSE_MAX`` turns that off.
    A task run eagerly runs inside its caller's request or transaction: nothing to do."""
    if not getattr(sender.request, "is_eager", False):
        close_old_connections()
