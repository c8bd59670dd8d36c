"""A headless Chromium driven by Playwright, for tests marked ``browser``.

The browser is Debian's (``apt-get install chromium``; Playwright's own download does not work
here), found at ``BROWSER_EXECUTABLE`` or as ``chromium`` on the path. Without one the tests
are skipped, unless ``BROWSER_REQUIRED`` is set (``.ci/run`` sets it): then they fail."""

import pytest

from tests.browser import browser_executable

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def page(live_server, monkeypatch):
    """A page in a fresh browser, started once the test database and live server are up.

    Playwright's sync API runs an event loop in this thread, where Django then refuses ORM
    calls; the test's own ORM calls are safe (nothing else runs on that loop), so the guard is
    lifted for this test only."""
    executable = browser_executable()
    if executable is None:
        pytest.fail("BROWSER_REQUIRED is set, but no chromium was found")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=FLAGS)
        # Reduced motion: Bootstrap then shows and hides dialogs and popovers without fading,
        # so a check never catches one half-transparent.
        yield browser.new_context(reduced_motion="reduce").new_page()
        browser.close()
