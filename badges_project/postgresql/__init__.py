"""Django's PostgreSQL backend with instants read by the standard library (``base.py``)."""
