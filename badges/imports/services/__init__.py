"""The imports domain's services: earned badges (``earned``, written by ``staging`` on
PostgreSQL and ``batched`` elsewhere) and badge definitions."""
