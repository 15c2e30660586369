"""Two organizations with one of everything, and every operation of the live OpenAPI schema made concrete.

Organization A has an owner, an admin, an editor and a viewer (plus a member to change and an
invite); organization B has an owner. Everything of A carries MARKER in a visible field, so a
response that leaks A's data to B's owner is caught by looking for it.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from backend.accounts.models import Membership, Organization, Role, User, WebhookDelivery, WebhookEndpoint
from backend.accounts.services import invite_create
from backend.ai_services.models import GenerationJob
from backend.assets.models import MediaAsset
from backend.scheduling.models import PostingSchedule, PostSeries, ScheduledPost
from backend.social.models import SandboxPublication, SocialAccount, VideoFitJob
from tests.conftest import make_image

MARKER = "zqmarkerA"
PASSWORD = "s3cret-Passw0rd!"
USERS = ("owner", "admin", "editor", "viewer", "owner_b")
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class World:
    org: Organization
    org_b: Organization
    users: dict[str, User]
    account: SocialAccount
    spare_account: SocialAccount
    asset: MediaAsset
    posts: dict[str, ScheduledPost]
    publication: SandboxPublication
    job: GenerationJob
    target: User
    invite_token: str
    extra: dict[str, Any] = field(default_factory=dict)


def build_world() -> World:
    org = Organization.objects.create(name=f"{MARKER} Silks")
    org_b = Organization.objects.create(name="Other Shop")
    users = {}
    for name, organization, role in [
        ("owner", org, Role.OWNER), ("admin", org, Role.ADMIN), ("editor", org, Role.EDITOR),
        ("viewer", org, Role.VIEWER), ("owner_b", org_b, Role.OWNER),
    ]:
        users[name] = User.objects.create_user(email=f"{name}@example.com", password=PASSWORD)
        Membership.objects.create(user=users[name], organization=organization, role=role)
    target = User.objects.create_user(email="target@example.com", password=PASSWORD)
    Membership.objects.create(user=target, organization=org, role=Role.EDITOR)
    account = SocialAccount.objects.create(organization=org, platform="sandbox", handle=f"@{MARKER}", connected_by=users["owner"])
    spare = SocialAccount.objects.create(organization=org, platform="sandbox", handle=f"@{MARKER}spare")
    asset = MediaAsset.objects.create(
        organization=org, file=ContentFile(make_image(size=(1080, 1080)), name=f"{MARKER}.jpg"), original_name=f"{MARKER}.jpg",
        format="jpeg", content_type="image/jpeg", width=1080, height=1080, size=1, sha256="0" * 64, uploaded_by=users["owner"],
    )
    when = timezone.now() + timedelta(days=2)
    posts = {}
    for status in ("scheduled", "pending", "draft", "failed", "posted"):
        posts[status] = ScheduledPost.objects.create(
            organization=org, social_account=account, platform="sandbox", caption=f"{MARKER} {status}",
            scheduled_time=when, next_attempt_at=when, status=status, created_by=users["editor"],
            external_post_id=f"{MARKER}-ext" if status == "posted" else "",
            posted_at=timezone.now() if status == "posted" else None,
        )
    publication = SandboxPublication.objects.create(post=posts["posted"].pk, social_account=account, caption=f"{MARKER} published")
    job = GenerationJob.objects.create(organization=org, user=users["owner"], input={"title": MARKER})
    invite = invite_create(organization=org, by=users["owner"], email="invitee@example.com", role=Role.EDITOR)
    PostingSchedule.objects.create(social_account=account, timezone="Asia/Kolkata", slots=[{"weekday": d, "time": "09:00"} for d in range(7)])
    series = PostSeries.objects.create(
        organization=org, social_account=account, caption=f"{MARKER} weekly arrivals", rrule="FREQ=WEEKLY;BYDAY=FR;COUNT=6",
        dtstart=when, timezone="Asia/Kolkata", created_by=users["owner"],
    )
    endpoint = WebhookEndpoint.objects.create(
        organization=org, url=f"https://hooks.example.com/{MARKER}", events=["post.posted"], description=MARKER,
        secret=f"whsec_{MARKER}", created_by=users["owner"],
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=uuid.uuid4(), event="post.posted", payload={"type": "post.posted", "data": {"caption": MARKER}},
        status=WebhookDelivery.Status.FAILED, attempts=3, last_status_code=500, last_error=f"{MARKER} answered 500",
    )
    # A 4:1 video as the library records it (X takes 1:3 to 3:1, so it can be fitted for X).
    video = MediaAsset.objects.create(
        organization=org, kind=MediaAsset.Kind.VIDEO, file=ContentFile(b"\0\0\0\x08free", name=f"{MARKER}.mp4"),
        original_name=f"{MARKER}.mp4", format="MP4", content_type="video/mp4", width=1200, height=300, size=8, sha256="0" * 64,
        duration=2.0, frame_rate=24.0, video_codec="h264", audio_codec="aac", bitrate=1000, uploaded_by=users["owner"],
    )
    fit = VideoFitJob.objects.create(organization=org, source=video, platform="twitter", requested_by=users["owner"])
    extra = {"invite": invite, "series": series, "endpoint": endpoint, "delivery": delivery, "video": video, "video_fit": fit}
    return World(org, org_b, users, account, spare, asset, posts, publication, job, target, invite.token, extra)


def client_as(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def schema_operations(client: APIClient) -> list[tuple[str, str]]:
    """(METHOD, path template) of every operation the live schema documents."""
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    return sorted(
        (method.upper(), path) for path, item in schema["paths"].items() for method in item if method in HTTP_METHODS
    )


# --- How each operation is called: the object its path names, its query, its body ------------
POST_FOR_ACTION = {"approve": "pending", "submit": "draft", "retry": "failed", "refresh_metrics": "posted", "metrics": "posted"}


def path_id(template: str, w: World) -> dict[str, Any]:
    if template.startswith("/api/organizations/"):
        return {"id": w.org.pk, "user_id": w.target.pk, "invite_id": w.extra["invite"].pk}
    if template.startswith("/api/schedule/{id}/"):
        action = template.removeprefix("/api/schedule/{id}/").strip("/")
        return {"id": w.posts[POST_FOR_ACTION.get(action, "scheduled")].pk}
    if template.startswith("/api/media/"):
        return {"id": w.asset.pk}
    if template.startswith("/api/social/accounts/"):
        return {"id": w.spare_account.pk}
    if template.startswith("/api/social/sandbox/publications/"):
        return {"id": w.publication.pk}
    if template.startswith("/api/series/"):
        return {"id": w.extra["series"].pk}
    if template.startswith("/api/webhooks/"):
        return {"id": w.extra["endpoint"].pk, "delivery_id": w.extra["delivery"].pk}
    if template.startswith("/api/social/video_fits/"):
        return {"id": w.extra["video_fit"].pk}
    if template.startswith("/api/textile/jobs/"):
        return {"id": w.job.pk}
    if template.startswith("/api/invites/"):
        return {"token": w.invite_token}
    if template.startswith("/api/social/oauth/"):
        return {"platform": "twitter"}
    return {}


def _future() -> str:
    return (timezone.now() + timedelta(days=3)).isoformat()


# Bodies that would succeed for a caller allowed to act on A: the status then says whether they may.
BODIES: dict[tuple[str, str], Callable[[World, User], Any]] = {
    ("POST", "/api/auth/logout/"): lambda w, u: {"refresh": str(RefreshToken.for_user(u))},
    ("POST", "/api/auth/signup/"): lambda w, u: {"email": f"new-{u.pk}@example.com", "password": "Kanjeevaram#2026"},
    ("POST", "/api/auth/token/"): lambda w, u: {"email": u.email, "password": PASSWORD},
    ("POST", "/api/auth/token/refresh/"): lambda w, u: {"refresh": str(RefreshToken.for_user(u))},
    ("POST", "/api/media/"): lambda w, u: {"organization": w.org.pk, "file": SimpleUploadedFile("p.png", make_image(size=(64, 64), fmt="PNG"), "image/png")},
    ("POST", "/api/organizations/"): lambda w, u: {"name": "New shop"},
    ("PATCH", "/api/organizations/{id}/"): lambda w, u: {"name": "Renamed"},
    ("POST", "/api/organizations/{id}/invites/"): lambda w, u: {"email": "someone@example.com", "role": "editor"},
    ("PATCH", "/api/organizations/{id}/members/{user_id}/"): lambda w, u: {"role": "viewer"},
    ("POST", "/api/schedule/"): lambda w, u: {"social_account": w.account.pk, "caption": "new", "scheduled_time": _future()},
    ("PUT", "/api/schedule/{id}/"): lambda w, u: {"social_account": w.account.pk, "caption": "put", "scheduled_time": _future()},
    ("PATCH", "/api/schedule/{id}/"): lambda w, u: {"caption": "patched"},
    ("POST", "/api/schedule/{id}/cancel/"): lambda w, u: {"reason": "no"},
    ("POST", "/api/schedule/{id}/retry/"): lambda w, u: {},
    ("POST", "/api/schedule/bulk/"): lambda w, u: {"social_accounts": [w.account.pk], "caption": "bulk", "scheduled_time": _future()},
    ("POST", "/api/social/accounts/"): lambda w, u: {"organization": w.org.pk, "platform": "sandbox", "handle": "@new"},
    ("POST", "/api/social/oauth/{platform}/start/"): lambda w, u: {"organization": w.org.pk, "redirect_uri": "https://app.example.com/cb"},
    ("POST", "/api/social/preflight/"): lambda w, u: {"platform": "sandbox", "caption": "hi", "asset_id": w.asset.pk},
    ("POST", "/api/social/video_fits/"): lambda w, u: {"asset_id": w.extra["video"].pk, "platform": "twitter"},
    ("POST", "/api/textile/caption/"): lambda w, u: {"organization": w.org.pk, "product_name": "Silk saree", "price": "2500", "variants": 1},
    ("POST", "/api/textile/poster/"): lambda w, u: {"asset_id": w.asset.pk, "title": "Silk", "price": "2000", "original_price": "2500"},
    ("PUT", "/api/social/accounts/{id}/slots/"): lambda w, u: {"timezone": "Asia/Kolkata", "slots": [{"weekday": 4, "time": "09:00"}]},
    ("POST", "/api/series/"): lambda w, u: {
        "social_account": w.account.pk, "caption": "weekly", "rrule": "FREQ=WEEKLY;BYDAY=FR;COUNT=6", "dtstart": _future(), "timezone": "Asia/Kolkata",
    },
    ("PATCH", "/api/series/{id}/"): lambda w, u: {"caption": "patched"},
    ("POST", "/api/webhooks/"): lambda w, u: {"organization": w.org.pk, "url": "https://93.184.215.14/hooks", "events": ["post.posted"]},
    ("PATCH", "/api/webhooks/{id}/"): lambda w, u: {"description": "patched"},
    ("POST", "/api/schedule/import/"): lambda w, u: {"file": SimpleUploadedFile("posts.csv", _csv(w), "text/csv"), "dry_run": "false"},
}
# Operations whose one documented request content type is multipart (they may carry a file).
MULTIPART = {("POST", "/api/media/"), ("POST", "/api/social/preflight/"), ("POST", "/api/textile/poster/"), ("POST", "/api/schedule/import/")}


def _csv(w: World) -> bytes:
    return f"social_account,caption,scheduled_time\n{w.account.pk},imported,{_future()}\n".encode()

QUERIES: dict[tuple[str, str], Callable[[World], dict]] = {
    ("GET", "/api/usage/"): lambda w: {"organization": w.org.pk},
    ("GET", "/api/schedule/analytics/"): lambda w: {"organization": w.org.pk},
    ("GET", "/api/schedule/next_slot/"): lambda w: {"social_account": w.account.pk},
    ("GET", "/api/schedule/best_times/"): lambda w: {"social_account": w.account.pk},
    ("GET", "/api/social/oauth/{platform}/callback/"): lambda w: {"code": "c", "state": "s"},
    ("GET", "/api/social/webhooks/whatsapp/"): lambda w: {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"},
}


def call(client: APIClient, method: str, template: str, w: World, user: User, *, body: Any = None, query: dict | None = None):
    path = template.format(**path_id(template, w))
    key = (method, template)
    if query is None and key in QUERIES:
        query = QUERIES[key](w)
    if body is None and key in BODIES:
        body = BODIES[key](w, user)
    if method == "GET":
        return client.get(path, query or {})
    if query:
        from urllib.parse import urlencode

        path = f"{path}?{urlencode(query)}"
    fmt = "multipart" if key in MULTIPART else "json"
    return getattr(client, method.lower())(path, body if body is not None else {}, format=fmt)
