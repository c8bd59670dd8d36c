"""The REST face of events and workflow rules (SPEC 12, 17): ``rules/``, ``events/`` and
``customers/{customer_id}/progress/``, registered in the one API router
(``badges_project/api/urls.py``)."""
