"""The docs and the admin in a real browser (headless Chromium, the Debian package, driven by
Playwright as the dashboard's browser tests do), offline: every host but 127.0.0.1 is made
unresolvable, so a page that needs a CDN or Google Fonts breaks.

Swagger UI: the page renders the schema, "Authorize" takes a JWT, and "Try it out" runs
GET /api/auth/me/ and shows 200 with the caller's email. ReDoc renders. /admin/login/ is styled
(the admin's CSS is served by WhiteNoise). Screenshots are kept in the test's tmp folder.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .live import REPORTED, LiveServer, tool_problem

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_MS = 90_000
# Record what a page's Content-Security-Policy refused to fetch.
RECORD_BLOCKED = "window.__blocked = []; document.addEventListener('securitypolicyviolation', e => window.__blocked.push(e.blockedURI));"

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(scope="module")
def page():
    binary = os.environ.get("POSTLOOM_CHROMIUM") or next(filter(None, map(shutil.which, CHROMIUM)), None)
    if not binary or not Path(binary).exists():
        tool_problem("headless Chromium", "chromium is not installed (Debian: chromium; bin/test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=binary, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            # Offline: nothing but this machine resolves.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ])
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(RECORD_BLOCKED)
        yield context.new_page()
        context.close()
        browser.close()


def resources_outside(page, base: str) -> list[str]:
    """What the page fetched from anywhere but this server (a fetch its CSP refused is not sent)."""
    urls = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)") or []
    blocked = set(page.evaluate("window.__blocked || []"))
    return [url for url in urls if not url.startswith((base, "data:", "blob:")) and url not in blocked]


def screenshot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    REPORTED.append(f"browser screenshot: {path}")
    return path


def test_swagger_ui_authorizes_and_runs_a_call(page, api_server: LiveServer, tmp_path):
    token = api_server.signup("docs-reader@example.com")
    page.goto(f"{api_server.url}/api/docs/")
    title = page.locator(".swagger-ui .info .title")
    title.wait_for()
    assert "Postloom API" in title.inner_text()

    page.locator(".swagger-ui .btn.authorize").first.click()
    page.locator(".auth-container input").first.fill(token)
    page.locator(".auth-btn-wrapper .btn.modal-btn.auth.authorize").first.click()
    page.locator(".auth-btn-wrapper .btn-done").first.click()

    operation = page.locator("#operations-auth-auth_me_retrieve")
    operation.locator(".opblock-summary").first.click()
    operation.locator(".try-out__btn").click()
    operation.locator(".btn.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    body = operation.locator(".live-responses-table").inner_text()
    status.scroll_into_view_if_needed()
    screenshot(page, tmp_path, "swagger-ui")
    assert status.inner_text().strip() == "200", body
    assert "docs-reader@example.com" in body
    assert resources_outside(page, api_server.url) == []


def test_redoc_renders_offline(page, api_server: LiveServer, tmp_path):
    page.goto(f"{api_server.url}/api/redoc/")
    heading = page.locator(".api-content h1").first
    heading.wait_for()
    assert "Postloom API" in heading.inner_text()
    screenshot(page, tmp_path, "redoc")
    assert resources_outside(page, api_server.url) == []


def test_admin_login_is_styled(page, api_server: LiveServer, tmp_path):
    page.goto(f"{api_server.url}/admin/login/")
    page.locator("#login-form").wait_for()
    stylesheets = page.evaluate("Array.from(document.styleSheets).filter(s => s.href && s.cssRules.length).length")
    header = page.evaluate("getComputedStyle(document.querySelector('#header')).backgroundColor")
    button = page.evaluate("getComputedStyle(document.querySelector('input[type=submit]')).backgroundColor")
    screenshot(page, tmp_path, "admin-login")
    assert stylesheets >= 1
    assert header not in ("", "rgba(0, 0, 0, 0)", "transparent"), header  # the admin's colour, from base.css
    assert button not in ("", "rgba(0, 0, 0, 0)"), button
    assert resources_outside(page, api_server.url) == []
