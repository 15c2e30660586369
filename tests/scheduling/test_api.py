from datetime import timedelta

import pytest
from django.utils import timezone

from backend.assets.models import MediaAsset
from backend.scheduling.models import ScheduledPost
from backend.social.models import SandboxPublication, SocialAccount
from tests.conftest import future

pytestmark = pytest.mark.django_db
Status = ScheduledPost.Status


def body(account, **extra):
    return {"social_account": account.id, "caption": "Diwali sale: 30% off silk sarees", "hashtags": ["diwali", "#SilkSaree"], "scheduled_time": future(hours=2), **extra}


def test_owner_schedules_a_post(owner_client, sandbox, owner):
    response = owner_client.post("/api/schedule/", body(sandbox), format="json")

    assert response.status_code == 201, response.data
    data = response.data
    assert data["status"] == "scheduled"
    assert data["platform"] == "sandbox"
    assert data["organization"] == sandbox.organization_id
    assert data["hashtags"] == ["#diwali", "#SilkSaree"]
    assert data["approved_by"] == owner.id and data["created_by"] == owner.id
    expected = {"id", "organization", "social_account", "platform", "caption", "hashtags", "asset_url", "asset_id", "scheduled_time", "timezone", "status", "retry_count", "max_retries", "error_message", "external_post_id", "permalink", "posted_at", "created_by", "approved_by", "created_at", "updated_at", "metadata"}
    assert expected <= set(data)


def test_editor_post_waits_for_approval_and_admin_approves(client_for, editor, admin, sandbox):
    response = client_for(editor).post("/api/schedule/", body(sandbox), format="json")
    assert response.status_code == 201
    assert response.data["status"] == "pending"
    post_id = response.data["id"]

    assert client_for(editor).post(f"/api/schedule/{post_id}/approve/").status_code == 403
    approved = client_for(admin).post(f"/api/schedule/{post_id}/approve/")
    assert approved.status_code == 200
    assert approved.data["status"] == "scheduled"
    assert approved.data["approved_by"] == admin.id
    assert client_for(admin).post(f"/api/schedule/{post_id}/approve/").status_code == 409


def test_viewer_reads_but_cannot_write(client_for, viewer, sandbox, make_post):
    post = make_post()
    client = client_for(viewer)
    assert client.get(f"/api/schedule/{post.id}/").status_code == 200
    assert client.post("/api/schedule/", body(sandbox), format="json").status_code == 403
    assert client.patch(f"/api/schedule/{post.id}/", {"caption": "x"}, format="json").status_code == 403
    assert client.post(f"/api/schedule/{post.id}/cancel/").status_code == 403


def test_draft_then_submit(client_for, editor, owner_client, sandbox):
    response = client_for(editor).post("/api/schedule/", body(sandbox, status="draft"), format="json")
    assert response.data["status"] == "draft"
    submitted = client_for(editor).post(f"/api/schedule/{response.data['id']}/submit/")
    assert submitted.data["status"] == "pending"
    draft = owner_client.post("/api/schedule/", body(sandbox, status="draft"), format="json")
    assert owner_client.post(f"/api/schedule/{draft.data['id']}/submit/").data["status"] == "scheduled"
    assert owner_client.post("/api/schedule/", body(sandbox, status="posted"), format="json").status_code == 400


@pytest.mark.parametrize(
    "change, field",
    [
        ({"scheduled_time": "2020-01-01T10:00:00+00:00"}, "scheduled_time"),
        ({"scheduled_time": "2099-01-01T10:00:00"}, "scheduled_time"),
        ({"scheduled_time": "tomorrow"}, "scheduled_time"),
        ({"timezone": "Not/AZone", "scheduled_time": "2099-01-01T10:00:00"}, "timezone"),
        ({"hashtags": ["two words"]}, "hashtags"),
        ({"hashtags": "notalist"}, "hashtags"),
        ({"social_account": 999999}, "social_account"),
        ({"social_account": "abc"}, "social_account"),
        ({"caption": "x" * 5001}, "caption"),
        ({"caption": "", "hashtags": []}, "caption"),
        ({"asset_id": 424242}, "asset_id"),
        ({"max_retries": 99}, "max_retries"),
    ],
)
def test_validation_errors_name_the_field(owner_client, sandbox, change, field):
    response = owner_client.post("/api/schedule/", body(sandbox, **change), format="json")

    assert response.status_code == 400
    assert field in response.data, response.data


def test_naive_time_is_read_in_the_posts_timezone(owner_client, sandbox):
    response = owner_client.post("/api/schedule/", body(sandbox, scheduled_time="2099-03-01T18:30:00", timezone="Asia/Kolkata"), format="json")

    assert response.status_code == 201
    assert response.data["scheduled_time"] == "2099-03-01T13:00:00Z"
    assert response.data["timezone"] == "Asia/Kolkata"


def test_malformed_json_is_400(owner_client):
    response = owner_client.generic("POST", "/api/schedule/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.data["code"] == "parse_error"


def test_account_of_another_organization_is_refused(owner_client, other_sandbox):
    response = owner_client.post("/api/schedule/", body(other_sandbox), format="json")
    assert response.status_code == 400
    assert "social_account" in response.data


def test_disconnected_account_is_refused(owner_client, sandbox):
    SocialAccount.objects.filter(pk=sandbox.pk).update(status=SocialAccount.Status.DISCONNECTED)
    response = owner_client.post("/api/schedule/", body(sandbox), format="json")
    assert response.status_code == 400


def test_idempotency_key_creates_once_and_refuses_a_different_body(owner_client, sandbox):
    payload = body(sandbox)
    first = owner_client.post("/api/schedule/", payload, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    second = owner_client.post("/api/schedule/", payload, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    changed = owner_client.post("/api/schedule/", {**payload, "caption": "other"}, format="json", HTTP_IDEMPOTENCY_KEY="abc")

    assert first.status_code == second.status_code == 201
    assert second.data["id"] == first.data["id"]
    assert changed.status_code == 422
    assert changed.data["code"] == "idempotency_key_reused"
    assert ScheduledPost.objects.count() == 1


def test_idempotency_key_is_per_user(owner_client, client_for, admin, sandbox):
    payload = body(sandbox)
    owner_client.post("/api/schedule/", payload, format="json", HTTP_IDEMPOTENCY_KEY="same")
    client_for(admin).post("/api/schedule/", payload, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert ScheduledPost.objects.count() == 2


def test_failed_request_does_not_burn_the_key(owner_client, sandbox):
    bad = owner_client.post("/api/schedule/", body(sandbox, scheduled_time="2001-01-01T00:00:00Z"), format="json", HTTP_IDEMPOTENCY_KEY="k")
    good = owner_client.post("/api/schedule/", body(sandbox), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 400 and good.status_code == 201


def test_tenant_isolation_is_404(owner_client, make_post, other_sandbox):
    foreign = make_post(account=other_sandbox)
    for method, path in [
        ("get", f"/api/schedule/{foreign.id}/"),
        ("patch", f"/api/schedule/{foreign.id}/"),
        ("delete", f"/api/schedule/{foreign.id}/"),
        ("post", f"/api/schedule/{foreign.id}/cancel/"),
        ("post", f"/api/schedule/{foreign.id}/approve/"),
        ("post", f"/api/schedule/{foreign.id}/publish_now/"),
        ("get", f"/api/schedule/{foreign.id}/attempts/"),
    ]:
        assert getattr(owner_client, method)(path, {}, format="json").status_code == 404, (method, path)
    listed = owner_client.get("/api/schedule/")
    assert foreign.id not in [row["id"] for row in listed.data["results"]]


def test_list_filters_search_ordering_and_pagination(owner_client, make_post):
    soon = make_post(caption="Cotton kurti", due_in=timedelta(hours=1))
    later = make_post(caption="Silk saree", due_in=timedelta(days=2))
    make_post(Status.DRAFT, caption="Linen shirt", due_in=timedelta(days=3))

    by_status = owner_client.get("/api/schedule/", {"status": "scheduled"})
    assert [row["id"] for row in by_status.data["results"]] == [soon.id, later.id]
    assert owner_client.get("/api/schedule/", {"search": "saree"}).data["results"][0]["id"] == later.id
    newest_first = owner_client.get("/api/schedule/", {"ordering": "-scheduled_time"})
    assert newest_first.data["results"][-1]["id"] == soon.id
    window = owner_client.get("/api/schedule/", {"scheduled_before": (timezone.now() + timedelta(days=1)).isoformat().replace("+00:00", "Z")})
    assert [row["id"] for row in window.data["results"]] == [soon.id]
    paged = owner_client.get("/api/schedule/", {"page_size": 2})
    assert paged.data["count"] == 3 and len(paged.data["results"]) == 2 and paged.data["next"]
    assert owner_client.get("/api/schedule/", {"status": "nonsense"}).status_code == 400
    assert owner_client.get("/api/schedule/", {"scheduled_after": "yesterday"}).status_code == 400
    # Page sizes outside 1..100 and unknown orderings are 400s (as documented), not silently changed.
    assert owner_client.get("/api/schedule/", {"page_size": 1000}).status_code == 400
    assert owner_client.get("/api/schedule/", {"page_size": 0}).status_code == 400
    assert "ordering" in owner_client.get("/api/schedule/", {"ordering": "caption"}).data
    assert owner_client.get("/api/schedule/", {"page_size": 100}).data["count"] == 3


def test_edit_while_editable_and_409_after(owner_client, make_post):
    post = make_post()
    response = owner_client.patch(f"/api/schedule/{post.id}/", {"caption": "Updated", "scheduled_time": future(hours=5)}, format="json")
    assert response.status_code == 200
    assert response.data["caption"] == "Updated"
    posted = make_post(Status.POSTED)
    conflict = owner_client.patch(f"/api/schedule/{posted.id}/", {"caption": "x"}, format="json")
    assert conflict.status_code == 409
    assert conflict.data["code"] == "invalid_transition"


def test_put_requires_the_essentials(owner_client, make_post, sandbox):
    post = make_post()
    assert owner_client.put(f"/api/schedule/{post.id}/", {"caption": "only"}, format="json").status_code == 400
    full = {"social_account": sandbox.id, "caption": "All new", "scheduled_time": future(hours=3)}
    assert owner_client.put(f"/api/schedule/{post.id}/", full, format="json").status_code == 200


def test_editor_edit_of_approved_post_needs_approval_again(client_for, editor, make_post):
    post = make_post()
    response = client_for(editor).patch(f"/api/schedule/{post.id}/", {"caption": "Editor change"}, format="json")
    assert response.data["status"] == "pending"
    assert response.data["approved_by"] is None


def test_cancel_and_delete_keep_the_post(owner_client, make_post):
    post = make_post()
    cancelled = owner_client.post(f"/api/schedule/{post.id}/cancel/", {"reason": "Out of stock"}, format="json")
    assert cancelled.status_code == 200
    assert cancelled.data["status"] == "cancelled"
    assert cancelled.data["error_message"] == "Out of stock"
    other = make_post()
    assert owner_client.delete(f"/api/schedule/{other.id}/").status_code == 204
    assert ScheduledPost.objects.get(pk=other.id).status == Status.CANCELLED
    posted = make_post(Status.POSTED)
    conflict = owner_client.post(f"/api/schedule/{posted.id}/cancel/")
    assert conflict.status_code == 409 and conflict.data["code"] == "invalid_transition"


def test_retry_failed_post(owner_client, make_post):
    failed = make_post(Status.FAILED, retry_count=3, error_message="boom")
    response = owner_client.post(f"/api/schedule/{failed.id}/retry/")
    assert response.status_code == 200
    assert response.data["status"] == "scheduled"
    assert response.data["retry_count"] == 0
    when = timezone.datetime.fromisoformat(response.data["scheduled_time"].replace("Z", "+00:00"))
    assert timedelta(seconds=50) < when - timezone.now() <= timedelta(seconds=60)
    explicit = make_post(Status.FAILED)
    at = future(hours=4)
    assert owner_client.post(f"/api/schedule/{explicit.id}/retry/", {"scheduled_time": at}, format="json").status_code == 200
    assert owner_client.post(f"/api/schedule/{make_post().id}/retry/").status_code == 409


def test_publish_now_publishes_through_a_worker(owner_client, make_post, django_capture_on_commit_callbacks):
    post = make_post(Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/api/schedule/{post.id}/publish_now/")
    assert response.status_code == 202
    post.refresh_from_db()
    assert post.status == Status.POSTED
    assert SandboxPublication.objects.filter(post=post.pk).count() == 1
    assert owner_client.post(f"/api/schedule/{post.id}/publish_now/").status_code == 409


def test_publish_now_is_for_managers(client_for, editor, make_post):
    assert client_for(editor).post(f"/api/schedule/{make_post().id}/publish_now/").status_code == 403


def test_attempts_are_listed(owner_client, make_post):
    post = make_post(caption="[sandbox:fail-permanent] never", due_in=timedelta(seconds=-1))
    owner_client.post("/api/schedule/process_ready_posts/")
    response = owner_client.get(f"/api/schedule/{post.id}/attempts/")
    assert response.status_code == 200
    attempt = response.data["results"][0]
    assert attempt["outcome"] == "permanent"
    assert attempt["error_code"] == "sandbox_permanent"
    assert attempt["finished_at"] is not None


def test_ready_to_post_and_process_ready_posts(owner_client, client_for, editor, make_post):
    due = make_post(due_in=timedelta(seconds=-5))
    failing = make_post(caption="[sandbox:fail-permanent]", due_in=timedelta(seconds=-5))
    future_post = make_post(due_in=timedelta(hours=1))

    ready = owner_client.get("/api/schedule/ready_to_post/")
    assert {row["id"] for row in ready.data["results"]} == {due.id, failing.id}

    assert client_for(editor).post("/api/schedule/process_ready_posts/").status_code == 403
    result = owner_client.post("/api/schedule/process_ready_posts/")
    assert result.status_code == 200
    assert result.data == {"processed": 2, "posted": 1, "failed": 1}
    future_post.refresh_from_db()
    assert future_post.status == Status.SCHEDULED
    assert owner_client.get("/api/schedule/ready_to_post/").data["count"] == 0


def test_bulk_is_all_or_nothing(owner_client, org, owner, sandbox):
    second = SocialAccount.objects.create(organization=org, platform="sandbox", handle="@second")
    payload = {"social_accounts": [sandbox.id, second.id], "caption": "Weekend sale", "scheduled_time": future(hours=1)}
    response = owner_client.post("/api/schedule/bulk/", payload, format="json")
    assert response.status_code == 201
    assert len(response.data["posts"]) == 2
    assert {post["group_id"] for post in response.data["posts"]} == {response.data["group_id"]}

    SocialAccount.objects.filter(pk=second.pk).update(status=SocialAccount.Status.DISCONNECTED)
    before = ScheduledPost.objects.count()
    refused = owner_client.post("/api/schedule/bulk/", payload, format="json")
    assert refused.status_code == 400
    assert ScheduledPost.objects.count() == before
    assert owner_client.post("/api/schedule/bulk/", {**payload, "social_accounts": []}, format="json").status_code == 400
    assert owner_client.post("/api/schedule/bulk/", {**payload, "social_accounts": [sandbox.id, sandbox.id]}, format="json").status_code == 400


def test_post_with_media_has_asset_url(owner_client, org, sandbox):
    from tests.conftest import make_image

    upload = owner_client.post("/api/media/", {"file": _file(make_image(), "p.jpg")}, format="multipart")
    assert upload.status_code == 201
    response = owner_client.post("/api/schedule/", body(sandbox, asset_id=upload.data["id"]), format="json")
    assert response.status_code == 201
    assert response.data["asset_url"].endswith(".jpg")
    assert response.data["asset_id"] == upload.data["id"]
    assert MediaAsset.objects.get(pk=upload.data["id"]).organization == org


def _file(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
