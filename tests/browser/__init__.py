"""Tests in a real browser: Debian's Chromium, driven by Playwright."""

import os
import shutil


def browser_executable() -> str | None:
    """``BROWSER_EXECUTABLE``, else ``chromium`` on the path."""
    return os.environ.get("BROWSER_EXECUTABLE") or shutil.which("chromium")
