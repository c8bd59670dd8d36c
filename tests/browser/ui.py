"""What every browser-UI test checks on every page and state it reaches: the page's status and
main landmark first; then no serious or critical accessibility violation (axe-core, WCAG 2.2 AA
tags), no content-security-policy violation, no console error, no request to any origin but
the app's, and no horizontal scroll at a tablet's and a laptop's width."""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS = [(768, 1024), (1280, 800)]
# The README's screenshots are rewritten by `make screenshots` (WRITE_SCREENSHOTS set); other
# runs take them into a scratch folder, so that a test run leaves the working tree as it was.
README_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Recorded in the page before its own scripts run (Playwright injects it, no policy applies).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


class Watched:
    """A page whose console errors, policy violations and requests are recorded."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
        self.base_url = base_url
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.expected_status = 400
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("request", self._request)
        self.axe = Axe()

    def _console(self, message):
        """A console error fails the test, but for Chromium's note of the document's own 400,
        which a refused form answers by design, or of the status ``open`` was told to expect
        (the tests assert those statuses themselves)."""
        if message.type != "error":
            return
        document_refused = (
            message.text.startswith(
                tuple(
                    f"Failed to load resource: the server responded with a status of {status}"
                    for status in {400, self.expected_status}
                )
            )
            and message.location.get("url") == self.page.url
        )
        if not document_refused:
            self.errors.append(f"console: {message.text} at {message.location.get('url')}")

    def _request(self, request):
        url = request.url
        if not url.startswith((self.origin + "/", "data:", "blob:", "about:")):
            self.foreign.append(url)

    def open(self, path: str, status: int = 200):
        self.expected_status = status
        response = self.page.goto(self.base_url + path)
        assert response.status == status, (path, response.status)
        self.page.wait_for_load_state("networkidle")
        assert self.page.locator("main#main").count() == 1
        return response

    def sign_in(self, username: str, password: str, path: str = "/badges/ui/", app_page=True):
        """Sign in and land on ``path``: its status, and the main landmark of the app's pages
        (``app_page`` false for a page the app doesn't lay out, such as Swagger UI's)."""
        self.open(f"/accounts/login/?next={path}")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        with self.page.expect_navigation() as landed:
            self.page.get_by_role("button", name="Sign in").click()
        assert landed.value.status == 200, (path, landed.value.status)
        self.page.wait_for_load_state("networkidle")
        assert not app_page or self.page.locator("main#main").count() == 1

    def settled(self):
        """After an htmx swap the test has seen land: no request pending, results not busy."""
        self.page.wait_for_load_state("networkidle")
        expect(self.page.locator("#results")).to_have_attribute("aria-busy", "false")

    def assert_healthy(self, state: str):
        """The checks of this module on the page as it stands, at both widths."""
        self.assert_policy_kept(state)
        self.assert_accessible(state)
        self.assert_no_horizontal_scroll(state)

    def assert_policy_kept(self, state: str):
        """No policy violation, no console error, no request to another origin."""
        violations = self.page.evaluate("window.__cspViolations")
        assert violations == [], (state, violations)
        assert self.errors == [], (state, self.errors)
        assert self.foreign == [], (state, self.foreign)

    def assert_accessible(self, state: str):
        page = self.page
        results = self.axe.run(
            page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}}
        ).response
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], (state, serious)

    def assert_no_horizontal_scroll(self, state: str):
        page = self.page
        size = page.viewport_size
        for width, height in VIEWPORTS:
            page.set_viewport_size({"width": width, "height": height})
            scroll = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert scroll <= 0, (state, width, scroll)
        page.set_viewport_size(size)

    def screenshot(self, name: str, full_page: bool = True):
        if os.environ.get("WRITE_SCREENSHOTS"):
            folder = README_SCREENSHOTS
        else:
            folder = Path(tempfile.gettempdir()) / "badges-screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


PASSWORD = "correct horse battery staple"


def member(org, role, username: str):
    """A user of ``org`` with ``role`` who signs in with ``PASSWORD``."""
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username=username)
    user.set_password(PASSWORD)
    user.save()
    MembershipFactory(user=user, org=org, role=role)
    return user
