from django.apps import AppConfig


class BadgesConfig(AppConfig):
    name = "badges"
    verbose_name = "Badges"

    def ready(self):
        # Every process registers the Celery tasks, not only workers (which find them by
        # autodiscovery): a web process queues a notification's delivery by the task's name.
        # Django's admin autodiscovery imports each app's ``admin`` module; the events domain
        # keeps its own, registered here (``badges.admin`` may not reach the domain's services).
        from badges import tasks  # noqa: F401
        from badges.events import admin as event_admin  # noqa: F401
        from badges.events import tasks as event_tasks  # noqa: F401
        from badges.imports import admin as import_admin  # noqa: F401
        from badges.imports import tasks as import_tasks  # noqa: F401
