"""The Celery app. Without ``CELERY_BROKER_URL`` tasks run eagerly in-process.

A worker or beat started without ``DJANGO_SETTINGS_MODULE`` runs the production settings, like
WSGI and ``manage.py`` (see ``badges_project.settings``).
"""

import os

from celery import Celery

from badges_project.settings import DEFAULT

os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT)

app = Celery("badges_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
