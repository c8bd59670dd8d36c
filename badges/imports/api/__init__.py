"""The REST face of historical imports (SPEC 14, 17): ``imports/badges/`` and
``imports/customer-badges/``, routed in the one API router (``badges_project/api/urls.py``)."""
