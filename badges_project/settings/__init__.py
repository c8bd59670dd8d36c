"""Settings modules: ``dev`` (local runs), ``test`` (pytest) and ``production``.

Every entry point (``manage.py``, WSGI and the Celery app) falls back on ``DEFAULT`` when
``DJANGO_SETTINGS_MODULE`` is unset: the production settings, which refuse to start without a
secret key and never run with debug on. Local tools name the dev settings (the Makefile does).
"""

DEFAULT = "badges_project.settings.production"
