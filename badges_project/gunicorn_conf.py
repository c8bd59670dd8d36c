"""Gunicorn settings for production (docs/deploy.md):

    gunicorn -c python:badges_project.gunicorn_conf badges_project.wsgi

Sync workers, one per core: the app is CPU-bound (PostgreSQL round trips are short), so more
workers only add context switches, and threads serialize on the GIL. The app is loaded once in
the master and its objects frozen out of the garbage collector's reach before the workers fork;
a worker collects a request's garbage after sending its response.
"""

import os

from badges_project.serving import collected_after_response, garbage_collector_tuned

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 1))
worker_class = "sync"
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = "-"


def when_ready(server):
    garbage_collector_tuned()


def post_request(worker, req, environ, resp):
    collected_after_response()
