"""The import page of the browser UI (SPEC 14): past runs, an upload, a run's progress."""
