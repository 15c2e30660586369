"""The dashboard in a real browser: headless Chromium (Debian's `chromium`, driven by Playwright)
against a live server (runserver) with a real Celery worker and beat, on a private SQLite file
and filesystem broker. Screenshots of every page go to artifacts/dashboard/ (gitignored).

Skipped, with the reason printed, only where Chromium is not installed."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone as dt_timezone
from pathlib import Path

import pytest

from tests.conftest import make_image

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "dashboard"
CHROMIUM = os.environ.get("POSTLOOM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "Browser-Test-Passw0rd!"
# A poster limit of 1 makes the second poster of the month the 429 case.
AI_PLANS = '{"free": {"caption": 50, "poster": 1}}'

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveStack:
    """runserver + a Celery worker with embedded beat, sharing a private SQLite file and broker."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="postloom-browser-"))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
        env.update({
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "POSTLOOM_VAR_DIR": str(self.dir / "var"),
            "MEDIA_ROOT": str(self.dir / "media"),
            "PUBLIC_BASE_URL": self.url,
            "PUBLISH_INTERVAL_SECONDS": "2",
            "AI_PROVIDER": "offline",
            "AI_PLANS_JSON": AI_PLANS,
            "AI_POSTER_BACKGROUND": "never",
            "FIELD_ENCRYPTION_KEYS": "sDXYZaYoa2nIrrbzB0G1EOOWSRgGPiXG3gbDg-pzBgA=",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        })
        self.env = env
        self.procs: list[subprocess.Popen] = []

    def manage(self, *args: str) -> str:
        out = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-3000:]
        return out.stdout

    def start(self) -> None:
        self.manage("migrate", "--noinput")
        log = open(self.dir / "server.log", "w")
        self.procs.append(subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        ))
        wlog = open(self.dir / "worker.log", "w")
        self.procs.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "backend", "worker", "-B", "--concurrency=2", "--loglevel=WARNING",
             "-s", str(self.dir / "beat-schedule")],
            cwd=ROOT, env=self.env, stdout=wlog, stderr=subprocess.STDOUT,
        ))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("runserver did not start: " + (self.dir / "server.log").read_text()[-2000:])

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def live():
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not installed at {CHROMIUM} (bin/setup installs the Debian package `chromium`)"
        print(f"\nSKIPPED browser tests: {message}")
        pytest.skip(message)
    if not AXE.exists():
        subprocess.run([str(ROOT / "bin" / "build-ui"), "--deps"], cwd=ROOT, check=True, timeout=300)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stack = LiveStack()
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def browser(live):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(**options):
        context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def signup(page, live, email: str, *, shop: str = "Lakshmi Silks", lang: str = "en") -> None:
    page.goto(f"{live.url}/app/signup/?lang={lang}")
    page.get_by_label("Your name" if lang == "en" else "आपका नाम").fill("Lakshmi")
    page.fill("input[name=organization_name]", shop)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button")
    page.wait_for_url(f"{live.url}/app/accounts/")


def login(page, live, email: str) -> None:
    page.goto(f"{live.url}/app/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live.url}/app/")


def connect_sandbox(page, live, handle: str) -> None:
    page.goto(f"{live.url}/app/accounts/")
    page.select_option("#connect-platform", "sandbox")
    page.fill("#connect-handle", handle)
    page.click("#connect-submit")
    page.wait_for_selector(f"[data-account] >> text={handle}")


def compose(page, live, *, handle: str, caption: str, seconds_ahead: int, tz: str = "UTC") -> None:
    """Open the compose modal from the dashboard and schedule one post (the org's timezone is UTC)."""
    page.goto(f"{live.url}/app/")
    page.click("#new-post")
    dialog = page.locator("#compose-dialog")
    dialog.wait_for()
    dialog.get_by_label(handle, exact=False).check()
    page.fill("#caption", caption)
    when = (datetime.now(dt_timezone.utc) + timedelta(seconds=seconds_ahead)).strftime("%Y-%m-%dT%H:%M:%S")
    page.fill("#scheduled_time", when)
    page.click("#compose-submit")
    page.wait_for_selector("#compose-dialog", state="detached")


def row(page, caption_start: str):
    return page.locator("#posts-table tr", has_text=caption_start)


def upcoming(page):
    return page.locator("#upcoming")


def generate_poster(page, live, photo: Path, title: str, price: str) -> None:
    page.goto(f"{live.url}/app/studio/")
    page.set_input_files("#product_image", str(photo))
    page.fill("#title", title)
    page.fill("#price", price)
    page.click("#generate")


def test_done_means_sign_up_connect_generate_a_poster_schedule_it_and_see_it_posted(live, new_page, tmp_path):
    """Issue 17's flow: sign up, connect a sandbox account, generate a poster, schedule it 10 s
    ahead and see it turn posted in the table without a reload; then its attempts and engagement
    from the table, and the studio's 429 once the month's one poster is used."""
    page = new_page()
    # DEBUG is off and runserver has no --insecure: WhiteNoise serves the dashboard's own files.
    for path, kind in (("dashboard/app.css", "text/css"), ("dashboard/vendor/htmx.min.js", "javascript"), ("dashboard/dashboard.js", "javascript")):
        response = page.request.get(f"{live.url}/static/{path}")
        assert response.ok and kind in response.headers["content-type"], (path, response.status)
    signup(page, live, "owner@shop.example")
    shot(page, "accounts-empty")
    connect_sandbox(page, live, "@lakshmi_silks")
    assert "Connected @lakshmi_silks." in page.locator("#toasts").inner_text()
    shot(page, "accounts")

    photo = tmp_path / "saree.jpg"
    photo.write_bytes(make_image(size=(900, 1100), color=(150, 30, 60)))
    page.goto(f"{live.url}/app/studio/")
    shot(page, "studio")
    generate_poster(page, live, photo, "Kanchipuram silk saree", "2499")
    poster = page.locator("#poster")
    poster.wait_for()
    # The <img> is in the page before its file has loaded: wait for the load to end, then check
    # that it ended with an image (a broken one completes with naturalWidth 0).
    page.wait_for_function("() => document.querySelector('#poster').complete")
    assert page.evaluate("() => document.querySelector('#poster').naturalWidth") > 0
    assert page.locator("#studio-usage [data-ai=poster]").inner_text() == "0"
    assert_accessible(page)
    shot(page, "studio-poster")
    result = page.locator("section[aria-labelledby=result-title]")
    result.locator("input[name=caption]").nth(1).check()
    chosen_caption = result.locator("input[name=caption]").nth(1).get_attribute("value")
    result.get_by_label("@lakshmi_silks", exact=False).check()
    when = (datetime.now(dt_timezone.utc) + timedelta(seconds=10)).strftime("%Y-%m-%dT%H:%M:%S")
    result.locator("input[name=scheduled_time]").fill(when)
    result.get_by_role("button", name="Schedule").click()
    page.wait_for_url(f"{live.url}/app/")
    assert "1 post(s) scheduled." in page.locator("#toasts").inner_text()
    posted_row = row(page, chosen_caption[:40])
    assert posted_row.count() == 1

    page.evaluate("window.__noReload = true")
    posted_row.locator("[data-status=posted]").wait_for(timeout=45_000)  # the table refreshes itself
    page.locator("#stats [data-stat=posted]:text-is('1')").wait_for(timeout=15_000)
    upcoming(page).get_by_text("Nothing scheduled yet.").wait_for(timeout=15_000)  # so does the upcoming list
    assert page.evaluate("window.__noReload") is True
    shot(page, "dashboard-posted")

    # Attempts and engagement from the table, in a modal the keyboard can leave with Escape.
    details = posted_row.locator("[data-action=details]")
    details.click()
    dialog = page.locator("#modal dialog")
    dialog.locator("[data-attempt=success]").wait_for()
    dialog.locator("img").evaluate("img => img.complete || new Promise(done => { img.onload = img.onerror = done; })")
    assert dialog.locator("img").evaluate("img => img.naturalWidth") > 0  # the poster went out with the post
    dialog.locator("[data-action=refresh_metrics]").click()
    page.locator("#toasts").get_by_text("Reading the engagement figures").wait_for()
    dialog.locator("[data-metric=views]").wait_for(timeout=30_000)  # the details refresh themselves
    assert_accessible(page)
    shot(page, "post-details")
    page.keyboard.press("Escape")
    page.locator("#modal dialog").wait_for(state="detached")
    assert page.evaluate("() => document.activeElement.dataset.action") == "details"
    assert page.evaluate("window.__noReload") is True

    # The month's one poster is used: the limit's message, not a poster.
    generate_poster(page, live, photo, "Cotton kurti", "499")
    error = page.locator("#studio-error")
    error.wait_for()
    assert "limit" in error.inner_text().lower()
    assert page.locator("#poster").count() == 0
    shot(page, "studio-429")


def test_compose_counts_live_then_a_failed_post_is_retried_cancelled_and_filtered(live, new_page):
    page = new_page()
    signup(page, live, "composer@shop.example", shop="Kaveri Weaves")
    connect_sandbox(page, live, "@kaveri")

    # The live count: the server counts with the platform's rule as the caption is typed.
    page.goto(f"{live.url}/app/")
    page.click("#new-post")
    page.locator("#compose-dialog").get_by_label("@kaveri", exact=False).check()
    page.locator("#caption").press_sequentially("Silk 🎉")
    page.wait_for_selector("[data-check=sandbox] [data-count]:text-is('6')")
    shot(page, "compose-modal")
    page.locator("#compose-dialog").get_by_role("button", name="Close").click()
    page.locator("#compose-dialog").wait_for(state="detached")

    compose(page, live, handle="@kaveri", caption="Quiet cotton arrivals", seconds_ahead=3600)
    compose(page, live, handle="@kaveri", caption="Broken on purpose [sandbox:fail-permanent]", seconds_ahead=5)
    assert "post(s) scheduled" in page.locator("#toasts").inner_text()
    bad = row(page, "Broken on purpose")
    page.evaluate("window.__noReload = true")
    bad.locator("[data-status=failed]").wait_for(timeout=45_000)
    assert "The sandbox rejected the post" in bad.inner_text()
    page.locator("#stats [data-stat=failed]:text-is('1')").wait_for(timeout=15_000)

    bad.locator("[data-action=retry]").click()
    bad.locator("[data-status=scheduled]").wait_for()
    assert "Post scheduled again." in page.locator("#toasts").inner_text()
    assert "Broken on purpose" in upcoming(page).inner_text()  # retried a minute ahead: upcoming again, at once
    bad.locator("[data-action=cancel]").click()
    bad.locator("[data-status=cancelled]").wait_for()
    assert "Post cancelled." in page.locator("#toasts").inner_text()
    assert "Broken on purpose" not in upcoming(page).inner_text()
    assert page.evaluate("window.__noReload") is True
    shot(page, "dashboard")

    # Filters and search narrow the table in place.
    page.select_option("select[name=status]", "scheduled")
    page.wait_for_function("() => !document.querySelector('#posts-table').innerText.includes('Broken on purpose')")
    assert row(page, "Quiet cotton arrivals").count() == 1
    page.fill("#f-q", "nothing like this")
    page.locator("#posts-table").get_by_text("No posts match.").wait_for()


def test_invited_editor_joins_switches_shops_and_the_owner_approves(live, new_page):
    owner_page = new_page()
    signup(owner_page, live, "owner2@shop.example", shop="Meena Sarees")
    connect_sandbox(owner_page, live, "@meena")
    owner_page.goto(f"{live.url}/app/members/")
    invite_form = owner_page.locator("section[aria-labelledby=invite-title] form")
    invite_form.locator("input[name=email]").fill("editor@shop.example")
    invite_form.locator("select[name=role]").select_option("editor")
    owner_page.get_by_role("button", name="Invite", exact=True).click()
    link = owner_page.locator("#invite-link").get_attribute("href")
    assert "Invite created" in owner_page.locator("#toasts").inner_text()
    assert owner_page.locator("[data-invite='editor@shop.example']").count() == 1
    assert_accessible(owner_page)
    shot(owner_page, "members")

    # The editor has a shop of their own, joins Meena Sarees with the link and works there.
    editor_page = new_page()
    signup(editor_page, live, "editor@shop.example", shop="Editor's Own Shop")
    editor_page.goto(link)
    assert "Meena Sarees invites editor@shop.example to join as Editor." in editor_page.locator("#invite-details").inner_text()
    assert_accessible(editor_page)
    shot(editor_page, "invite")
    editor_page.get_by_role("button", name="Join the organization").click()
    editor_page.wait_for_url(f"{live.url}/app/")
    assert "You joined Meena Sarees." in editor_page.locator("#toasts").inner_text()
    assert editor_page.locator("#org-switch option:checked").inner_text() == "Meena Sarees"
    compose(editor_page, live, handle="@meena", caption="Editor's Pongal offer", seconds_ahead=3600)
    editor_row = row(editor_page, "Editor's Pongal offer")
    assert editor_row.locator("[data-status]").get_attribute("data-status") == "pending"
    assert editor_row.locator("[data-action=approve]").count() == 0
    assert upcoming(editor_page).locator("[data-status=pending]").count() == 1
    editor_page.select_option("#org-switch", label="Editor's Own Shop")
    editor_page.get_by_role("button", name="Switch").click()
    editor_page.wait_for_url(f"{live.url}/app/")
    assert "You are working on Editor's Own Shop." in editor_page.locator("#toasts").inner_text()
    assert row(editor_page, "Editor's Pongal offer").count() == 0

    owner_page.goto(f"{live.url}/app/")
    owner_row = row(owner_page, "Editor's Pongal offer")
    owner_row.locator("[data-action=approve]").click()
    owner_row.locator("[data-status=scheduled]").wait_for()
    assert "Post approved." in owner_page.locator("#toasts").inner_text()
    assert upcoming(owner_page).locator("[data-status=pending]").count() == 0


def test_posting_slots_next_free_slot_and_per_platform_captions(live, new_page):
    """Issue 15 in the dashboard: an account's weekly slots set on the accounts page, a post queued
    into the next free slot, and per-platform captions checked by each platform's preflight, all
    or nothing."""
    page = new_page()
    signup(page, live, "planner@shop.example", shop="Slot Sarees")
    connect_sandbox(page, live, "@slots")
    page.select_option("#connect-platform", "whatsapp")
    page.fill("#connect-handle", "Slot Sarees WhatsApp")
    page.get_by_label("Access token", exact=False).fill("wa-token")
    page.get_by_label("WhatsApp phone number ID").fill("1234567890")
    page.get_by_label("WhatsApp recipients", exact=False).fill("+919840000001")
    page.click("#connect-submit")
    page.wait_for_selector("[data-account] >> text=Slot Sarees WhatsApp")

    sandbox_item = page.locator("li[data-account]", has_text="@slots")
    sandbox_item.get_by_text("Edit the posting slots of @slots").click()
    form = sandbox_item.locator("form[data-slot-form]")
    form.get_by_label("Timezone of the slots").fill("Asia/Kolkata")
    form.get_by_label("Monday").fill("09:00 18:30")
    form.get_by_label("Wednesday").fill("9am")
    form.get_by_role("button", name="Save slots").click()
    page.locator("li[data-account]", has_text="@slots").get_by_text("9am: Use HH:MM (24-hour), e.g. 09:00.").wait_for()
    assert_accessible(page)
    sandbox_item = page.locator("li[data-account]", has_text="@slots")
    for day in ("Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        sandbox_item.get_by_label(day).fill("09:00 18:30")
    sandbox_item.get_by_role("button", name="Save slots").click()
    page.wait_for_url(f"{live.url}/app/accounts/#account-*")
    assert "Posting slots saved for @slots." in page.locator("#toasts").inner_text()
    sandbox_item = page.locator("li[data-account]", has_text="@slots")
    next_free = sandbox_item.locator("time[data-next-free]").get_attribute("datetime")
    shot(page, "accounts-slots")

    # Next free slot: the compose form shows it and the post takes it.
    page.goto(f"{live.url}/app/")
    page.click("#new-post")
    dialog = page.locator("#compose-dialog")
    dialog.get_by_label("@slots", exact=False).check()
    page.fill("#caption", "Queued: bridal silk collection")
    dialog.get_by_label("In each account's next free posting slot").check()
    dialog.locator("[data-next-slot]").wait_for()
    assert "@slots: next free slot" in dialog.locator("[data-next-slot]").inner_text()
    page.click("#compose-submit")
    dialog.wait_for(state="detached")
    queued = row(page, "Queued: bridal silk")
    assert queued.locator("time").get_attribute("datetime") == next_free

    # Per-platform captions: WhatsApp's own caption is over its 1024 limit, so nothing is created.
    page.click("#new-post")
    dialog = page.locator("#compose-dialog")
    dialog.get_by_label("@slots", exact=False).check()
    dialog.get_by_label("Slot Sarees WhatsApp", exact=False).check()
    page.fill("#caption", "Kanchipuram silk: new colours this week")
    dialog.get_by_text("A different caption per platform").click()
    page.fill("#variant-whatsapp", "Reply YES to order. " * 60)
    dialog.locator("[data-check=whatsapp].border-red-300").wait_for()
    assert "/ 1024" in dialog.locator("[data-check=whatsapp]").inner_text()
    page.fill("#scheduled_time", (datetime.now(dt_timezone.utc) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("#compose-submit")
    alert = dialog.get_by_role("alert")
    alert.wait_for()
    assert "Slot Sarees WhatsApp: WhatsApp accepts captions of at most 1,024 characters" in alert.inner_text()
    assert_accessible(page)
    shot(page, "compose-variants")
    assert row(page, "Kanchipuram silk: new colours").count() == 0
    page.fill("#variant-whatsapp", "Kanchipuram silk in new colours. Reply YES to order.")
    page.click("#compose-submit")
    dialog.wait_for(state="detached")
    assert "2 post(s) scheduled." in page.locator("#toasts").inner_text()
    assert row(page, "Kanchipuram silk: new colours").count() == 1
    assert row(page, "Reply YES to order").count() == 1
    shot(page, "dashboard-planning")


def test_hindi_ui_phone_width_and_no_serious_accessibility_violations(live, new_page):
    desktop = new_page()
    for name in ("login", "signup"):
        desktop.goto(f"{live.url}/app/{name}/")
        shot(desktop, name)
    page = new_page(viewport={"width": 360, "height": 760})
    page.goto(f"{live.url}/app/login/")
    violations = _axe(page)
    page.goto(f"{live.url}/app/signup/")
    violations += _axe(page)
    signup(page, live, "hindi@shop.example", shop="Ganga Handloom", lang="hi")
    connect_sandbox(page, live, "@ganga")
    page.goto(f"{live.url}/app/")
    assert page.locator("html").get_attribute("lang") == "hi"
    assert page.get_by_role("heading", name="डैशबोर्ड").is_visible()
    assert page.get_by_role("link", name="नई पोस्ट").is_visible()
    shot(page, "dashboard-hindi-360")
    for path in ("/app/", "/app/accounts/", "/app/studio/", "/app/compose/", "/app/members/"):
        page.goto(f"{live.url}{path}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide on a 360px screen"
        violations += _axe(page)
        shot(page, "phone" + path.strip("/").replace("/", "-").replace("app", "app-"))
    page.goto(f"{live.url}/app/")
    page.click("#new-post")
    page.locator("#compose-dialog").wait_for()
    violations += _axe(page)
    # The same account in Hindi on a laptop screen.
    desktop = new_page()
    login(desktop, live, "hindi@shop.example")
    compose(desktop, live, handle="@ganga", caption="दिवाली पर रेशमी साड़ियाँ", seconds_ahead=7200)
    shot(desktop, "dashboard-hindi")
    violations += _axe(desktop)
    desktop.goto(f"{live.url}/app/compose/")
    shot(desktop, "compose")
    violations += _axe(desktop)

    # Keyboard: the first Tab lands on the skip link; Tab reaches New post and the table's
    # actions; Enter opens the dialog, Tab stays inside it, Escape closes it and gives focus back.
    desktop.goto(f"{live.url}/app/")
    desktop.keyboard.press("Tab")
    assert desktop.evaluate("() => document.activeElement.getAttribute('href')") == "#main"
    reached = set()
    for _ in range(60):
        desktop.keyboard.press("Tab")
        reached.add(desktop.evaluate("() => document.activeElement.id || document.activeElement.dataset.action || ''"))
    assert {"new-post", "f-q", "cancel", "details"} <= reached, reached
    desktop.focus("#new-post")
    desktop.keyboard.press("Enter")
    dialog = desktop.locator("#compose-dialog")
    dialog.wait_for()
    inside = "() => document.getElementById('compose-dialog').contains(document.activeElement)"
    assert desktop.evaluate(inside)
    for _ in range(25):
        desktop.keyboard.press("Tab")
        assert desktop.evaluate(inside)
    desktop.keyboard.press("Shift+Tab")
    assert desktop.evaluate(inside)
    desktop.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert desktop.evaluate("() => document.activeElement.id") == "new-post"
    assert_accessible(violations=violations)


def test_every_page_reads_with_javascript_off(live, new_page):
    page = new_page(java_script_enabled=False)
    signup(page, live, "nojs@shop.example", shop="Plain Shop")
    connect_sandbox(page, live, "@plain")
    page.goto(f"{live.url}/app/compose/")
    page.get_by_label("@plain", exact=False).check()
    page.fill("#caption", "No JavaScript needed")
    page.fill("#scheduled_time", (datetime.now(dt_timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("#compose-submit")
    page.wait_for_url(f"{live.url}/app/")
    target = row(page, "No JavaScript needed")
    assert target.locator("[data-status=scheduled]").count() == 1
    target.locator("[data-action=cancel]").click()
    page.wait_for_url(f"{live.url}/app/**")
    assert row(page, "No JavaScript needed").locator("[data-status=cancelled]").count() == 1
    assert "Post cancelled." in page.locator("#toasts").inner_text()
    row(page, "No JavaScript needed").locator("[data-action=details]").click()  # a page of its own
    page.wait_for_url(f"{live.url}/app/posts/*/")
    assert page.locator("#post-live [data-status=cancelled]").count() == 1
    for path in ("/app/studio/", "/app/accounts/"):
        page.goto(f"{live.url}{path}")
        assert page.locator("h1").inner_text()
    shot(page, "dashboard-no-js")


def assert_accessible(page=None, *, violations: list[dict] | None = None) -> None:
    """axe-core finds no serious or critical violation (contrast AA, labels, names, ARIA)."""
    found = (violations or []) + (_axe(page) if page is not None else [])
    serious = [v for v in found if v["impact"] in ("serious", "critical")]
    assert not serious, "\n".join(f"{v['page']} {v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in serious)


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{**v, "page": page.url} for v in result["violations"]]
