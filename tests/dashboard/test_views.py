"""The dashboard with JavaScript off: every page is a plain form/GET round trip through Django's
test client, with CSRF checks on, over the same services as the API."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client as DjangoClient
from django.utils import timezone

from backend.accounts.models import Role
from backend.dashboard.models import Preference
from backend.scheduling.models import ScheduledPost
from backend.social.models import SocialAccount

Status = ScheduledPost.Status
PASSWORD = "s3cret-Passw0rd!"


@pytest.fixture
def web():
    return DjangoClient(enforce_csrf_checks=True)


def csrf_post(client: DjangoClient, url: str, data: dict | None = None, **extra):
    """POST like a browser: the form's CSRF token taken from the cookie a GET set."""
    client.get("/app/login/")
    token = client.cookies["csrftoken"].value
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token}, **extra)


def logged_in(web: DjangoClient, user) -> DjangoClient:
    response = csrf_post(web, "/app/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return web


def test_pages_need_a_login(web):
    for url in ("/app/", "/app/compose/", "/app/accounts/", "/app/studio/", "/app/posts/table/", "/app/stats/"):
        response = web.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/app/login/?next="), url


def test_htmx_request_without_session_is_told_to_go_to_login(web):
    response = web.get("/app/stats/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == "/app/login/"


def test_post_without_csrf_token_is_refused(web, owner):
    assert web.post("/app/login/", {"email": owner.email, "password": PASSWORD}).status_code == 403


def test_signup_logs_in_and_creates_the_shop_through_the_accounts_service(web, db):
    response = csrf_post(web, "/app/signup/?lang=hi", {"email": "Meena@Example.com", "password": PASSWORD, "name": "Meena", "organization_name": "Meena Sarees"})
    assert response.status_code == 302 and response["Location"] == "/app/accounts/"
    page = web.get("/app/")
    assert page.status_code == 200
    assert "Meena Sarees" in page.content.decode()
    assert Preference.objects.get(user__email="meena@example.com").language == "hi"
    assert 'lang="hi"' in page.content.decode()


def test_signup_errors_come_from_the_same_rules_as_the_api(web, owner):
    taken = csrf_post(web, "/app/signup/", {"email": owner.email, "password": PASSWORD})
    assert taken.status_code == 400 and "already exists" in taken.content.decode()
    weak = csrf_post(web, "/app/signup/", {"email": "new@example.com", "password": "123"})
    assert weak.status_code == 400 and "too short" in weak.content.decode()


def test_wrong_password_is_a_clear_400(web, owner):
    response = csrf_post(web, "/app/login/", {"email": owner.email, "password": "nope"})
    assert response.status_code == 400 and "do not match" in response.content.decode()


def test_login_is_throttled_with_the_api_throttle(web, owner, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    # DRF binds the rates to the throttle class at import; patched on the base class, as
    # tests/attacks do, so no subclass keeps a copy after this test.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth": "3/min", "login_account": "1000/min", "ai_burst": "1000/min"})
    cache.clear()
    codes = [csrf_post(web, "/app/login/", {"email": owner.email, "password": "nope"}).status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]


def test_dashboard_shows_stats_table_and_filters(web, owner, make_post, sandbox):
    make_post(Status.SCHEDULED, caption="Silk sarees arrive")
    make_post(Status.FAILED, caption="Cotton kurtis")
    make_post(Status.POSTED, caption="Diwali offer")
    logged_in(web, owner)
    page = web.get("/app/").content.decode()
    assert 'data-stat="scheduled">1<' in page and 'data-stat="failed">1<' in page and 'data-stat="posted">1<' in page
    table = web.get("/app/posts/table/", {"status": "failed"}).content.decode()
    assert "Cotton kurtis" in table and "Silk sarees" not in table
    table = web.get("/app/posts/table/", {"q": "silk"}).content.decode()
    assert "Silk sarees" in table and "Cotton" not in table
    table = web.get("/app/posts/table/", {"sort": "status"}).content.decode()
    assert table.index('data-status="failed"') < table.index('data-status="posted"') < table.index('data-status="scheduled"')


def test_table_paginates(web, owner, make_post):
    for i in range(12):
        make_post(Status.SCHEDULED, caption=f"post {i:02d}", due_in=timedelta(hours=i + 1))
    logged_in(web, owner)
    first = web.get("/app/posts/table/", {"sort": "time"}).content.decode()
    second = web.get("/app/posts/table/", {"sort": "time", "page": 2}).content.decode()
    assert "post 00" in first and "post 11" not in first and "post 11" in second and "Page 2 of 2" in second


def test_actions_go_through_the_post_services(web, owner, make_post):
    failed = make_post(Status.FAILED)
    scheduled = make_post(Status.SCHEDULED)
    logged_in(web, owner)
    response = csrf_post(web, f"/app/posts/{failed.pk}/retry/", {"next": "/app/"})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Status.SCHEDULED
    response = csrf_post(web, f"/app/posts/{scheduled.pk}/cancel/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'hx-swap-oob="true"' in response.content.decode() and "Post cancelled." in response.content.decode()
    scheduled.refresh_from_db()
    assert scheduled.status == Status.CANCELLED
    again = csrf_post(web, f"/app/posts/{scheduled.pk}/cancel/", {"next": "/app/"})
    assert again.status_code == 302
    assert "cannot become cancelled" in web.get("/app/").content.decode()  # the service's 409 as a toast


def test_editor_cannot_approve_but_owner_can(web, member, org, make_post):
    editor = member(org, Role.EDITOR)
    owner = member(org, Role.OWNER)
    pending = make_post(Status.PENDING)
    logged_in(web, editor)
    assert 'data-action="approve"' not in web.get("/app/").content.decode()
    csrf_post(web, f"/app/posts/{pending.pk}/approve/")
    pending.refresh_from_db()
    assert pending.status == Status.PENDING
    owner_web = logged_in(DjangoClient(enforce_csrf_checks=True), owner)
    csrf_post(owner_web, f"/app/posts/{pending.pk}/approve/")
    pending.refresh_from_db()
    assert pending.status == Status.SCHEDULED and pending.approved_by == owner


def test_other_organizations_posts_are_404(web, owner, other_sandbox):
    other = ScheduledPost.objects.create(
        organization_id=other_sandbox.organization_id, social_account=other_sandbox, platform="sandbox", caption="x",
        scheduled_time=timezone.now() + timedelta(hours=1), next_attempt_at=timezone.now() + timedelta(hours=1), status=Status.SCHEDULED,
    )
    logged_in(web, owner)
    assert csrf_post(web, f"/app/posts/{other.pk}/cancel/").status_code == 404


def test_compose_schedules_to_several_accounts_in_the_org_timezone(web, owner, org, sandbox):
    second = SocialAccount.objects.create(organization=org, platform="sandbox", handle="@second", connected_by=owner)
    logged_in(web, owner)
    local = (timezone.now() + timedelta(days=1)).astimezone(__import__("zoneinfo").ZoneInfo(org.timezone)).replace(microsecond=0, tzinfo=None)
    response = csrf_post(web, "/app/compose/", {
        "social_accounts": [sandbox.pk, second.pk], "caption": "New stock", "hashtags": "silk, #saree",
        "scheduled_time": local.isoformat(),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    posts = list(ScheduledPost.objects.filter(organization=org).order_by("id"))
    assert len(posts) == 2 and posts[0].hashtags == ["#silk", "#saree"] and posts[0].timezone == org.timezone
    assert posts[0].scheduled_time.astimezone(__import__("zoneinfo").ZoneInfo(org.timezone)).replace(tzinfo=None) == local


def test_compose_shows_the_services_errors_inline(web, owner, sandbox):
    logged_in(web, owner)
    response = csrf_post(web, "/app/compose/", {"social_accounts": [sandbox.pk], "caption": "", "scheduled_time": "2020-01-01T10:00"})
    assert response.status_code == 400
    assert "must be in the future" in response.content.decode()


def test_compose_check_counts_with_each_platforms_rule(web, owner, org, sandbox):
    x = SocialAccount.objects.create(organization=org, platform="twitter", handle="@x", connected_by=owner, access_token="t")
    logged_in(web, owner)
    caption = "नमस्ते 🎉 https://example.com/a/very/long/path/that/counts/as/twenty-three"
    body = csrf_post(web, "/app/compose/check/", {"social_accounts": [sandbox.pk, x.pk], "caption": caption}).content.decode()
    from backend.social.text import caption_length

    assert f'<span data-count>{caption_length(caption, "twitter")}</span> / 280' in body
    assert f'<span data-count>{caption_length(caption, "chars")}</span>' in body
    long = csrf_post(web, "/app/compose/check/", {"social_accounts": [x.pk], "caption": "a" * 300}).content.decode()
    assert "border-red-300" in long  # the preflight problem, before saving


def test_connect_and_disconnect_a_sandbox_account(web, owner, org):
    logged_in(web, owner)
    response = csrf_post(web, "/app/accounts/connect/", {"platform": "sandbox", "handle": "@shop"})
    assert response.status_code == 302
    account = SocialAccount.objects.get(organization=org, handle="@shop")
    assert "connected" in web.get("/app/accounts/").content.decode()
    missing = csrf_post(web, "/app/accounts/connect/", {"platform": "whatsapp", "handle": "@wa"})
    assert missing.status_code == 400 and "access token is required" in missing.content.decode()
    csrf_post(web, f"/app/accounts/{account.pk}/disconnect/")
    account.refresh_from_db()
    assert account.status == SocialAccount.Status.DISCONNECTED


def test_language_is_per_user_and_translates_the_ui(web, owner):
    logged_in(web, owner)
    csrf_post(web, "/app/language/", {"language": "ta", "next": "/app/"})
    page = web.get("/app/").content.decode()
    assert 'lang="ta"' in page
    assert "Dashboard" not in page.split("<main", 1)[1].split("</h1>")[0]  # the heading is translated


def test_studio_generates_a_poster_and_captions(web, owner, sandbox):
    from tests.conftest import make_image
    from django.core.files.uploadedfile import SimpleUploadedFile

    logged_in(web, owner)
    web.get("/app/login/")
    token = web.cookies["csrftoken"].value
    response = web.post("/app/studio/", {
        "csrfmiddlewaretoken": token, "title": "Banarasi silk saree", "price": "1999", "original_price": "2999",
        "product_image": SimpleUploadedFile("saree.jpg", make_image(size=(800, 1000)), content_type="image/jpeg"),
    })
    body = response.content.decode()
    assert response.status_code == 200, body[:3000]
    assert 'id="poster"' in body and 'name="caption"' in body


def test_post_page_shows_attempts_and_metrics(web, owner, make_post):
    from backend.scheduling.models import PostMetrics, PublishAttempt

    post = make_post(Status.POSTED, external_post_id="sbx-1")
    PublishAttempt.objects.create(post=post, started_at=timezone.now(), finished_at=timezone.now(), outcome="success")
    PostMetrics.objects.create(post=post, likes=42, fetched_at=timezone.now())
    logged_in(web, owner)
    page = web.get(f"/app/posts/{post.pk}/").content.decode()
    assert 'data-attempt="success"' in page and ">42<" in page


def test_week_calendar_places_posts_on_their_day_in_the_org_timezone(web, owner, org, make_post):
    from backend.dashboard.selectors import week_bounds

    start, _end = week_bounds(organization=org)
    post = make_post(Status.SCHEDULED, caption="Tuesday", due_in=timedelta(0))
    post.scheduled_time = start + timedelta(days=1, hours=10)
    post.save(update_fields=["scheduled_time"])
    logged_in(web, owner)
    page = web.get("/app/").content.decode()
    tuesday = page.split(f'data-day="{(start + timedelta(days=1)).date():%Y-%m-%d}"', 1)[1].split("</li>", 1)[0]
    assert f"/app/posts/{post.pk}/" in tuesday


def test_owner_invites_an_editor_who_joins_with_the_link(web, owner, org, make_user):
    logged_in(web, owner)
    response = csrf_post(web, "/app/members/", {"action": "invite", "email": "new@example.com", "role": "editor"})
    assert response.status_code == 200
    link = response.content.decode().split('id="invite-link" class="underline" href="', 1)[1].split('"', 1)[0]
    assert 'data-invite="new@example.com"' in response.content.decode()  # listed until accepted
    invitee = make_user("new@example.com")
    guest = logged_in(DjangoClient(enforce_csrf_checks=True), invitee)
    page = guest.get(link.replace("http://testserver", "")).content.decode()
    assert f"{org.name} invites new@example.com to join as Editor." in page
    assert csrf_post(guest, link.replace("http://testserver", "")).status_code == 302
    assert 'data-invite="new@example.com"' not in web.get("/app/members/").content.decode()
    from backend.accounts.models import Membership

    assert Membership.objects.get(user=invitee, organization=org).role == Role.EDITOR
    assert csrf_post(guest, link.replace("http://testserver", "")).status_code == 302  # used: a toast, not a 500
    assert "already been used" in guest.get("/app/").content.decode()


def test_editor_cannot_invite_and_last_owner_cannot_leave(web, member, org, owner):
    editor = member(org, Role.EDITOR)
    editor_web = logged_in(DjangoClient(enforce_csrf_checks=True), editor)
    denied = csrf_post(editor_web, "/app/members/", {"action": "invite", "email": "x@example.com", "role": "viewer"})
    assert denied.status_code == 403
    logged_in(web, owner)
    last = csrf_post(web, "/app/members/", {"action": "role", "user_id": owner.pk, "role": "editor"})
    assert last.status_code == 409 and "at least one owner" in last.content.decode()


def test_oauth_connect_round_trip_through_the_dashboard(web, owner, org, platforms):
    from urllib.parse import parse_qs, urlsplit

    from tests.social.test_oauth_api import EXCHANGES, script

    logged_in(web, owner)
    started = csrf_post(web, "/app/accounts/oauth/linkedin/start/")
    assert started.status_code == 302 and started["Location"].startswith(platforms.url)
    query = parse_qs(urlsplit(started["Location"]).query)
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/app/accounts/oauth/linkedin/callback/"]
    script(platforms, "linkedin")
    done = web.get("/app/accounts/oauth/linkedin/callback/", {"code": "auth-CODE-secret-777", "state": query["state"][0]})
    assert done.status_code == 302
    account = SocialAccount.objects.get(organization=org, platform="linkedin")
    assert account.handle == EXCHANGES["linkedin"]["account"][1]
    again = web.get("/app/accounts/oauth/linkedin/callback/", {"code": "auth-CODE-secret-777", "state": query["state"][0]})
    assert again.status_code == 302 and "already" in web.get("/app/accounts/").content.decode().lower()


def test_publish_now_from_the_table(web, owner, make_post, django_capture_on_commit_callbacks):
    post = make_post(Status.PENDING, caption="Right now")
    logged_in(web, owner)
    import backend.scheduling.tasks  # noqa: F401  (registers the task sent by name, as a worker would)

    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_post(web, f"/app/posts/{post.pk}/publish_now/", HTTP_HX_REQUEST="true")
    assert "Post is being published now." in response.content.decode()
    post.refresh_from_db()
    assert post.status == Status.POSTED  # the test settings run the publish task eagerly


def test_compose_with_an_uploaded_image(web, owner, org, sandbox):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import make_image

    logged_in(web, owner)
    token = web.cookies["csrftoken"].value
    when = (timezone.now() + timedelta(hours=3)).astimezone(__import__("zoneinfo").ZoneInfo(org.timezone)).strftime("%Y-%m-%dT%H:%M")
    response = web.post("/app/compose/", {
        "csrfmiddlewaretoken": token, "social_accounts": [sandbox.pk], "caption": "With a picture", "scheduled_time": when,
        "upload": SimpleUploadedFile("kurti.png", make_image(fmt="PNG"), content_type="image/png"),
    })
    assert response.status_code == 302, response.content.decode().split('id="page-title"', 1)[1][:3000]
    post = ScheduledPost.objects.get(caption="With a picture")
    assert post.asset is not None and post.asset.organization_id == sandbox.organization_id
    bad = web.post("/app/compose/", {
        "csrfmiddlewaretoken": token, "social_accounts": [sandbox.pk], "caption": "x", "scheduled_time": when,
        "upload": SimpleUploadedFile("not.png", b"not an image", content_type="image/png"),
    })
    assert bad.status_code == 400


def test_switching_organization(web, owner, member, other_org, make_post):
    from backend.accounts.models import Membership

    Membership.objects.create(user=owner, organization=other_org, role=Role.EDITOR)
    make_post(Status.SCHEDULED, caption="In the first shop")
    logged_in(web, owner)
    assert "In the first shop" in web.get("/app/").content.decode()
    csrf_post(web, "/app/organization/", {"organization": other_org.pk, "next": "/app/"})
    page = web.get("/app/").content.decode()
    assert "In the first shop" not in page and "Other Shop" in page


def test_upcoming_and_week_follow_the_posts_after_an_action_and_on_the_poll(web, owner, make_post):
    soon = make_post(Status.SCHEDULED, caption="Soon on sale")
    later = make_post(Status.SCHEDULED, caption="Later on sale", due_in=timedelta(hours=2))
    logged_in(web, owner)
    upcoming = web.get("/app/").content.decode().split('id="upcoming"', 1)[1].split("</section>", 1)[0]
    assert "Soon on sale" in upcoming and "Later on sale" in upcoming

    # An action from the table answers with the table and, out of band, figures, upcoming, week.
    body = csrf_post(web, f"/app/posts/{soon.pk}/cancel/", HTTP_HX_REQUEST="true").content.decode()
    for part in ('id="stats" hx-swap-oob="true"', 'id="upcoming" hx-swap-oob="true"', 'id="week" hx-swap-oob="true"', 'id="toasts" hx-swap-oob="true"'):
        assert part in body
    upcoming = body.split('id="upcoming"', 1)[1].split("</section>", 1)[0]
    assert "Soon on sale" not in upcoming and "Later on sale" in upcoming

    # The 10-second poll (#stats) brings the upcoming list and the week with it.
    ScheduledPost.objects.filter(pk=later.pk).update(status=Status.POSTED, posted_at=timezone.now(), external_post_id="sbx-9")
    polled = web.get("/app/stats/", HTTP_HX_REQUEST="true").content.decode()
    assert polled.lstrip().startswith('<section id="stats"')  # the poll's own target, swapped in place
    assert 'data-stat="posted">1<' in polled and 'data-stat="scheduled">0<' in polled
    assert "Nothing scheduled yet." in polled.split('id="upcoming"', 1)[1]
    assert 'id="week" hx-swap-oob="true"' in polled


def test_post_details_open_in_the_modal_and_refresh_themselves(web, owner, make_post):
    from backend.scheduling.models import PublishAttempt

    post = make_post(Status.FAILED, caption="Broken upload", error_message="The sandbox rejected the post, as asked.")
    PublishAttempt.objects.create(post=post, started_at=timezone.now(), finished_at=timezone.now(), outcome="permanent",
                                  error_message="The sandbox rejected the post, as asked.")
    logged_in(web, owner)
    table = web.get("/app/posts/table/").content.decode()
    assert f'hx-get="/app/posts/{post.pk}/?modal=1"' in table and 'data-action="details"' in table
    modal = web.get(f"/app/posts/{post.pk}/", {"modal": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert '<dialog open id="post-dialog"' in modal
    assert "<html" not in modal and 'data-attempt="permanent"' in modal and "rejected" in modal
    live = web.get(f"/app/posts/{post.pk}/", {"part": "live"}).content.decode()
    assert live.startswith('<div id="post-live"') and "<dialog" not in live

    # Retry from the details: the same service as the table, the details answer with a toast.
    body = csrf_post(web, f"/app/posts/{post.pk}/retry/", {"view": "post"}, HTTP_HX_REQUEST="true").content.decode()
    post.refresh_from_db()
    assert post.status == Status.SCHEDULED
    assert body.startswith('<div id="post-live"') and 'data-status="scheduled"' in body and "Post scheduled again." in body


def test_engagement_is_read_on_demand_from_the_post_page(web, owner, make_post, django_capture_on_commit_callbacks):
    import backend.scheduling.tasks  # noqa: F401  (registers the task sent by name, as a worker would)

    draft = make_post(Status.SCHEDULED)
    logged_in(web, owner)
    assert 'data-action="refresh_metrics"' not in web.get(f"/app/posts/{draft.pk}/").content.decode()
    refused = csrf_post(web, f"/app/posts/{draft.pk}/refresh_metrics/", {"view": "post"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Only posted posts have metrics" in refused  # the service's 409, as a toast

    with django_capture_on_commit_callbacks(execute=True):
        publish = csrf_post(web, f"/app/posts/{draft.pk}/publish_now/", HTTP_HX_REQUEST="true")
    assert publish.status_code == 200
    draft.refresh_from_db()
    assert draft.status == Status.POSTED
    page = web.get(f"/app/posts/{draft.pk}/").content.decode()
    assert 'data-action="refresh_metrics"' in page and "No reading yet." in page
    with django_capture_on_commit_callbacks(execute=True):
        body = csrf_post(web, f"/app/posts/{draft.pk}/refresh_metrics/", {"view": "post"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Reading the engagement figures" in body
    page = web.get(f"/app/posts/{draft.pk}/").content.decode()
    assert 'data-metric="likes"' in page  # the sandbox's reading, fetched by the task


def test_times_are_in_the_organizations_timezone_in_pages_and_partials(web, owner, org, make_post):
    from datetime import datetime, timezone as dt_timezone

    org.timezone = "Asia/Kolkata"
    org.save(update_fields=["timezone"])
    post = make_post(Status.SCHEDULED, caption="Kolkata time")
    post.scheduled_time = datetime(2030, 1, 7, 4, 0, tzinfo=dt_timezone.utc)
    post.save(update_fields=["scheduled_time"])
    logged_in(web, owner)
    for url in ("/app/", "/app/posts/table/", f"/app/posts/{post.pk}/", f"/app/posts/{post.pk}/?part=live"):
        body = web.get(url).content.decode()
        assert "09:30" in body and "04:00" not in body, url


def test_switching_language_or_organization_answers_with_a_toast(web, owner, other_org):
    from backend.accounts.models import Membership

    Membership.objects.create(user=owner, organization=other_org, role=Role.OWNER)
    logged_in(web, owner)
    response = csrf_post(web, "/app/organization/", {"organization": other_org.pk, "next": "/app/"})
    assert response.status_code == 302
    assert "You are working on Other Shop." in web.get("/app/").content.decode()
    csrf_post(web, "/app/language/", {"language": "hi", "next": "/app/"})
    assert "भाषा बदल गई।" in web.get("/app/").content.decode()


def test_owner_revokes_an_invite_and_its_link_stops_working(web, owner, org, make_user):
    logged_in(web, owner)
    response = csrf_post(web, "/app/members/", {"action": "invite", "email": "late@example.com", "role": "viewer"})
    link = response.content.decode().split('id="invite-link" class="underline" href="', 1)[1].split('"', 1)[0]
    from backend.accounts.models import Invite

    invite = Invite.objects.get(email="late@example.com")
    revoked = csrf_post(web, "/app/members/", {"action": "revoke", "invite_id": invite.pk})
    assert revoked.status_code == 302
    page = web.get("/app/members/").content.decode()
    assert "Invite revoked." in page and 'data-invite="late@example.com"' not in page
    guest = logged_in(DjangoClient(enforce_csrf_checks=True), make_user("late@example.com"))
    csrf_post(guest, link.replace("http://testserver", ""))
    assert "No such invite." in guest.get("/app/").content.decode()


def test_compose_check_runs_the_preflight_on_the_chosen_library_image(web, owner, org, sandbox):
    from backend.assets.services import media_asset_create
    from tests.conftest import make_image

    instagram = SocialAccount.objects.create(organization=org, platform="instagram", handle="@insta", connected_by=owner, access_token="t")
    png = media_asset_create(organization=org, data=make_image(fmt="PNG"), uploaded_by=owner, original_name="square.png")
    logged_in(web, owner)
    body = csrf_post(web, "/app/compose/check/", {"social_accounts": [sandbox.pk, instagram.pk], "caption": "x", "asset_id": png.pk}).content.decode()
    instagram_row = body.split('data-check="instagram"', 1)[1].split("</li>\n", 1)[0]
    assert "border-red-300" in instagram_row and "JPEG" in instagram_row  # Instagram takes JPEG only
    assert "border-green-300" in body.split('data-check="sandbox"', 1)[1].split("</li>", 1)[0]
