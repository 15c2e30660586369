"""The docs and the admin in a real browser (headless Chromium through chromedriver), offline:
every host but 127.0.0.1 is made unresolvable, so a page that needs a CDN or Google Fonts breaks.

Swagger UI: the page renders the schema, "Authorize" takes a JWT, and "Try it out" runs
GET /api/auth/me/ and shows 200 with the caller's email. ReDoc renders. /admin/login/ is styled
(the admin's CSS is served by WhiteNoise). Screenshots are kept in the test's tmp folder.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from .live import REPORTED, LiveServer, tool_problem

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT = 90


def find(names) -> str | None:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    binary, driver_path = find(CHROMIUM), find(("chromedriver",))
    if not binary or not driver_path:
        tool_problem("headless Chromium", "chromium and chromedriver are not installed (Debian: chromium, chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        # Offline: nothing but this machine resolves.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(TIMEOUT)
    # Record what a page's Content-Security-Policy refused to fetch.
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
        "window.__blocked = []; document.addEventListener('securitypolicyviolation', e => window.__blocked.push(e.blockedURI));"
    )})
    yield driver
    driver.quit()


def wait(driver, condition, *, what: str, timeout: float = TIMEOUT):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.25).until(condition, message=f"waiting for {what}")


def css(selector):
    from selenium.webdriver.common.by import By

    def present(driver):
        found = driver.find_elements(By.CSS_SELECTOR, selector)
        return found[0] if found and found[0].is_displayed() else False

    return present


def resources_outside(driver, base: str) -> list[str]:
    """What the page fetched from anywhere but this server (a fetch its CSP refused is not sent)."""
    urls = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)") or []
    blocked = set(driver.execute_script("return window.__blocked || []"))
    return [url for url in urls if not url.startswith((base, "data:", "blob:")) and url not in blocked]


def screenshot(driver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    REPORTED.append(f"browser screenshot: {path}")
    return path


def test_swagger_ui_authorizes_and_runs_a_call(browser, api_server: LiveServer, tmp_path):
    token = api_server.signup("docs-reader@example.com")
    browser.get(f"{api_server.url}/api/docs/")
    wait(browser, css(".swagger-ui .info .title"), what="Swagger UI to render the schema")
    assert "Postloom API" in browser.find_element("css selector", ".swagger-ui .info .title").text

    css(".swagger-ui .btn.authorize")(browser).click()
    field = wait(browser, css(".auth-container input[type=text], .auth-container input"), what="the Authorize dialog")
    field.send_keys(token)
    css(".auth-btn-wrapper .btn.modal-btn.auth.authorize")(browser).click()
    wait(browser, css(".auth-btn-wrapper .btn-done"), what="the token to be accepted").click()

    operation = wait(browser, css("#operations-auth-auth_me_retrieve"), what="the GET /api/auth/me/ operation")
    operation.find_element("css selector", ".opblock-summary").click()
    wait(browser, css("#operations-auth-auth_me_retrieve .try-out__btn"), what="Try it out").click()
    wait(browser, css("#operations-auth-auth_me_retrieve .btn.execute"), what="Execute").click()
    status = wait(
        browser, css("#operations-auth-auth_me_retrieve .live-responses-table .response .response-col_status"),
        what="the live response",
    )
    body = browser.find_element("css selector", "#operations-auth-auth_me_retrieve .live-responses-table").text
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", status)
    screenshot(browser, tmp_path, "swagger-ui")
    assert status.text.strip() == "200", body
    assert "docs-reader@example.com" in body
    assert resources_outside(browser, api_server.url) == []


def test_redoc_renders_offline(browser, api_server: LiveServer, tmp_path):
    browser.get(f"{api_server.url}/api/redoc/")
    wait(browser, css(".api-content h1"), what="ReDoc to render the schema")
    assert "Postloom API" in browser.find_element("css selector", ".api-content h1").text
    screenshot(browser, tmp_path, "redoc")
    assert resources_outside(browser, api_server.url) == []


def test_admin_login_is_styled(browser, api_server: LiveServer, tmp_path):
    browser.get(f"{api_server.url}/admin/login/")
    wait(browser, css("#login-form"), what="the admin login form")
    stylesheets = browser.execute_script("return Array.from(document.styleSheets).filter(s => s.href && s.cssRules.length).length")
    header = browser.execute_script("return getComputedStyle(document.querySelector('#header')).backgroundColor")
    button = browser.execute_script("return getComputedStyle(document.querySelector('input[type=submit]')).backgroundColor")
    screenshot(browser, tmp_path, "admin-login")
    assert stylesheets >= 1
    assert header not in ("", "rgba(0, 0, 0, 0)", "transparent"), header  # the admin's colour, from base.css
    assert button not in ("", "rgba(0, 0, 0, 0)"), button
    assert resources_outside(browser, api_server.url) == []
