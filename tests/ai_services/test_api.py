"""The AI endpoints: captions, posters (inline and in the background), jobs and usage."""
from __future__ import annotations

import json

import pytest
from conftest import QUOTA_BODY, SERVER_ERROR_BODY, chat_completion, product_photo
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.accounts.models import Role
from backend.ai_services.models import GenerationJob, UsageCounter, UsageEvent
from backend.assets.models import MediaAsset
from tests.conftest import future

pytestmark = pytest.mark.django_db

CAPTION = "/api/textile/caption/"
POSTER = "/api/textile/poster/"
CHAT = "/v1/chat/completions"


def caption_body(**extra) -> dict:
    return {"product_name": "Banarasi Silk Saree", "fabric": "silk", "color": "maroon", "price": "1499",
            "occasion": "Diwali", "tone": "festive", "platform": "instagram", "variants": 3, **extra}


def upload(data: bytes | None = None, name: str = "saree.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else product_photo(), content_type="image/jpeg")


def poster_body(**extra) -> dict:
    return {"product_image": upload(), "title": "Banarasi Silk Saree", "discount_percent": 30, "price": "1499",
            "original_price": "2149", "shop_name": "Lakshmi Silks", "festival": "diwali", "size": "square", **extra}


def used(org, operation: str) -> int:
    counter = UsageCounter.objects.filter(organization=org, operation=operation).first()
    return counter.used if counter else 0


# --- captions -------------------------------------------------------------------------------


@pytest.mark.parametrize("language, script_char", [("en", None), ("hi", "\u0900"), ("ta", "\u0b80")])
def test_caption_offline_in_each_language(owner_client, org, language, script_char):
    response = owner_client.post(CAPTION, caption_body(language=language), format="json")

    assert response.status_code == 200, response.data
    data = response.data
    assert set(data) == {"captions", "hashtags", "provider", "model", "usage"}
    assert len(data["captions"]) == 3 and all(data["captions"])
    assert data["hashtags"] and all(tag.startswith("#") for tag in data["hashtags"])
    assert data["provider"] == "offline"
    assert set(data["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    if script_char:  # the captions are written in the language's own script
        block = ord(script_char)
        assert any(block <= ord(ch) < block + 0x80 for ch in "".join(data["captions"]))
    # and one caption unit is used, with its headers and ledger row
    assert used(org, "caption") == 1
    assert response["RateLimit-Limit"] == "50"
    assert response["RateLimit-Remaining"] == "49"
    assert int(response["RateLimit-Reset"]) > 0
    [event] = UsageEvent.objects.filter(organization=org)
    assert (event.operation, event.outcome, event.provider) == ("caption", "succeeded", "offline")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"variants": 0}, "variants"),
        ({"variants": 6}, "variants"),
        ({"variants": "many"}, "variants"),
        ({"language": "fr"}, "language"),
        ({"tone": "angry"}, "tone"),
        ({"platform": "myspace"}, "platform"),
        ({"product_name": ""}, "product_name"),
        ({"product_name": "x" * 201}, "product_name"),
        ({"price": "-5"}, "price"),
        ({"price": "cheap"}, "price"),
    ],
)
def test_caption_validation_is_a_400_that_costs_nothing(owner_client, org, change, field):
    response = owner_client.post(CAPTION, caption_body(**change), format="json")

    assert response.status_code == 400
    assert field in response.data
    assert used(org, "caption") == 0
    assert not UsageEvent.objects.exists()


def test_caption_without_product_name_is_a_400(owner_client):
    response = owner_client.post(CAPTION, {"language": "en"}, format="json")
    assert response.status_code == 400 and "product_name" in response.data


def test_viewer_cannot_generate(client_for, member, org):
    viewer = client_for(member(org, Role.VIEWER))
    assert viewer.post(CAPTION, caption_body(), format="json").status_code == 403
    assert viewer.post(POSTER, poster_body(), format="multipart").status_code == 403
    assert viewer.get("/api/usage/").status_code == 200  # but may read the usage


def test_editor_generates(client_for, member, org):
    editor = client_for(member(org, Role.EDITOR))
    assert editor.post(CAPTION, caption_body(), format="json").status_code == 200


def test_caption_needs_authentication(anon):
    assert anon.post(CAPTION, caption_body(), format="json").status_code == 401


def test_caption_in_another_org_is_refused(owner_client, other_org):
    response = owner_client.post(CAPTION, caption_body(organization=other_org.id), format="json")
    assert response.status_code == 400 and "organization" in response.data


# --- provider failures ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, body, expected_status, code",
    [
        (500, SERVER_ERROR_BODY, 503, "ai_provider_transient"),
        (429, QUOTA_BODY, 503, "ai_provider_quota_exhausted"),
        (400, {"error": {"message": "bad", "type": "invalid_request_error", "param": None, "code": None}}, 422,
         "ai_provider_rejected"),
    ],
)
def test_provider_failure_is_clear_and_gives_the_unit_back(owner_client, org, fake_openai, status, body,
                                                           expected_status, code):
    fake_openai.script(CHAT, *[(status, body)] * 3)

    response = owner_client.post(CAPTION, caption_body(), format="json")

    assert response.status_code == expected_status
    assert response.data["code"] == code and response.data["detail"]
    assert set(response.data) == {"detail", "code"}
    assert fake_openai.requests_to(CHAT)
    assert used(org, "caption") == 0
    [event] = UsageEvent.objects.filter(organization=org)
    assert event.outcome == "failed" and event.error
    assert "sk-test" not in json.dumps(response.data) and "sk-test" not in event.error


def test_openai_success_records_tokens(owner_client, org, fake_openai):
    good = {"captions": ["Silk that glows.", "Maroon and gold."], "hashtags": ["silk saree", "Diwali"]}
    fake_openai.script(CHAT, (200, chat_completion(json.dumps(good))))

    response = owner_client.post(CAPTION, caption_body(variants=2), format="json")

    assert response.status_code == 200, response.data
    assert response.data["provider"] == "openai"
    assert response.data["usage"]["total_tokens"] == 278
    [event] = UsageEvent.objects.filter(organization=org)
    assert (event.outcome, event.provider, event.total_tokens, event.prompt_tokens) == ("succeeded", "openai", 278, 182)
    assert used(org, "caption") == 1


def test_openai_without_key_is_a_503(owner_client, org, settings):
    settings.AI_PROVIDER, settings.OPENAI_API_KEY = "openai", ""
    response = owner_client.post(CAPTION, caption_body(), format="json")
    assert response.status_code == 503 and response.data["code"] == "ai_provider_misconfigured"
    assert used(org, "caption") == 0


# --- posters --------------------------------------------------------------------------------


def test_poster_inline_is_saved_and_can_be_scheduled(owner_client, org, sandbox, settings):
    settings.AI_POSTER_BACKGROUND = "auto"  # offline provider: drawn inline

    response = owner_client.post(POSTER, poster_body(platform="instagram"), format="multipart")

    assert response.status_code == 201, response.data
    poster = response.data["poster"]
    assert (poster["width"], poster["height"], poster["format"]) == (1080, 1080, "JPEG")
    asset = MediaAsset.objects.get(pk=poster["asset_id"])
    assert asset.organization == org and asset.source == MediaAsset.Source.POSTER
    assert poster["url"] == asset.url
    assert response.data["captions"] and response.data["hashtags"] and response.data["provider"] == "offline"
    assert response["RateLimit-Limit"] == "10" and response["RateLimit-Remaining"] == "9"
    # one poster unit, no caption unit
    assert (used(org, "poster"), used(org, "caption")) == (1, 0)
    assert UsageEvent.objects.get(organization=org).outcome == "succeeded"

    # the poster goes straight into a scheduled post
    scheduled = owner_client.post("/api/schedule/", {
        "social_account": sandbox.id, "caption": response.data["captions"][0], "hashtags": response.data["hashtags"],
        "asset_id": poster["asset_id"], "scheduled_time": future(hours=2),
    }, format="json")
    assert scheduled.status_code == 201, scheduled.data
    assert scheduled.data["asset_id"] == poster["asset_id"]


def test_poster_from_an_existing_asset(owner_client, org):
    # The poster operation takes multipart/form-data (a photo may be uploaded); JSON is a 415.
    assert owner_client.post(POSTER, {"asset_id": 1, "title": "Saree"}, format="json").status_code == 415

    uploaded = owner_client.post("/api/media/", {"file": upload()}, format="multipart")
    assert uploaded.status_code == 201

    response = owner_client.post(POSTER, {"asset_id": uploaded.data["id"], "title": "Cotton Kurti", "size": "story",
                                          "language": "en"}, format="multipart")

    assert response.status_code == 201, response.data
    assert (response.data["poster"]["width"], response.data["poster"]["height"]) == (1080, 1920)


def test_poster_with_another_orgs_asset_is_a_400(owner_client, other_org):
    foreign = MediaAsset.objects.create(organization=other_org, file="x.jpg", format="JPEG", content_type="image/jpeg",
                                        width=10, height=10, size=10, sha256="0" * 64)
    response = owner_client.post(POSTER, {"asset_id": foreign.id, "title": "Saree"}, format="multipart")
    assert response.status_code == 400 and "asset_id" in response.data


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": ""}, "title"),
        ({"size": "huge"}, "size"),
        ({"discount_percent": 99}, "discount_percent"),
        ({"festival": "halloween"}, "festival"),
        ({"language": "fr"}, "language"),
        ({"product_image": upload(b"not an image", "x.jpg")}, "product_image"),
        ({"currency": "rupees"}, "currency"),
        ({"title": "x" * 201}, "title"),
        ({"discount_percent": 50}, "discount_percent"),
        ({"offer_text": "Flat 50% off"}, "offer_text"),
        ({"size": "story", "platform": "instagram"}, "size"),
    ],
)
def test_poster_validation_is_a_400_that_costs_nothing(owner_client, org, change, field):
    response = owner_client.post(POSTER, poster_body(**change), format="multipart")

    assert response.status_code == 400, response.data
    assert field in response.data
    assert used(org, "poster") == 0


def test_poster_needs_exactly_one_image_source(owner_client):
    body = poster_body()
    del body["product_image"]
    response = owner_client.post(POSTER, body, format="multipart")
    assert response.status_code == 400 and "product_image" in response.data


def test_poster_is_idempotent(owner_client, org):
    first = owner_client.post(POSTER, poster_body(), format="multipart", HTTP_IDEMPOTENCY_KEY="poster-1")
    second = owner_client.post(POSTER, poster_body(), format="multipart", HTTP_IDEMPOTENCY_KEY="poster-1")

    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.data["poster"]["asset_id"] == first.data["poster"]["asset_id"]
    assert used(org, "poster") == 1
    assert MediaAsset.objects.filter(source=MediaAsset.Source.POSTER).count() == 1


def test_poster_in_the_background(owner_client, org, settings, django_capture_on_commit_callbacks):
    settings.AI_POSTER_BACKGROUND = "always"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = owner_client.post(POSTER, poster_body(), format="multipart")

    assert response.status_code == 202, response.data
    job = response.data  # the job itself, at top level, as GET /api/textile/jobs/{id}/ answers it
    assert job["status"] == "queued" and job["kind"] == "poster"
    assert response["Location"] == f"http://testserver/api/textile/jobs/{job['id']}/"
    assert len(callbacks) == 1
    assert used(org, "poster") == 1  # reserved when the job was accepted

    polled = owner_client.get(f"/api/textile/jobs/{job['id']}/")
    assert polled.status_code == 200
    assert polled.data["status"] == "succeeded", polled.data
    assert polled.data["error"] is None
    result = polled.data["result"]
    asset = MediaAsset.objects.get(pk=result["poster"]["asset_id"])
    assert asset.source == MediaAsset.Source.POSTER and asset.organization == org
    assert result["captions"] and result["provider"] == "offline"
    assert used(org, "poster") == 1
    assert UsageEvent.objects.get(organization=org, operation="poster").outcome == "succeeded"
    stored = GenerationJob.objects.get(pk=job["id"])
    assert stored.product_asset.source == MediaAsset.Source.UPLOAD
    assert stored.started_at and stored.finished_at


def test_openai_with_auto_runs_in_the_background_and_fails_cleanly(owner_client, org, settings, fake_openai,
                                                                   django_capture_on_commit_callbacks):
    settings.AI_POSTER_BACKGROUND = "auto"
    fake_openai.script(CHAT, *[(500, SERVER_ERROR_BODY)] * 3)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(POSTER, poster_body(), format="multipart")

    assert response.status_code == 202, response.data
    job = owner_client.get(f"/api/textile/jobs/{response.data['id']}/").data
    assert job["status"] == "failed"
    assert job["error"]["code"] == "ai_provider_transient"
    assert job["result"] is None
    assert used(org, "poster") == 0  # given back
    assert UsageEvent.objects.get(organization=org).outcome == "failed"


def test_a_job_runs_once(owner_client, org, settings, django_capture_on_commit_callbacks):
    from backend.ai_services.services import poster_job_run

    settings.AI_POSTER_BACKGROUND = "always"
    with django_capture_on_commit_callbacks(execute=True):
        job_id = owner_client.post(POSTER, poster_body(), format="multipart").data["id"]

    assert poster_job_run(job_id=job_id) is None  # a duplicate message finds nothing to do
    assert MediaAsset.objects.filter(source=MediaAsset.Source.POSTER).count() == 1


def test_job_of_another_org_is_a_404(client_for, member, other_org, org, settings, owner_client,
                                     django_capture_on_commit_callbacks):
    settings.AI_POSTER_BACKGROUND = "always"
    with django_capture_on_commit_callbacks(execute=True):
        job_id = owner_client.post(POSTER, poster_body(), format="multipart").data["id"]

    stranger = client_for(member(other_org, Role.OWNER))
    assert stranger.get(f"/api/textile/jobs/{job_id}/").status_code == 404
    assert owner_client.get("/api/textile/jobs/999999/").status_code == 404
    viewer = client_for(member(org, Role.VIEWER))
    assert viewer.get(f"/api/textile/jobs/{job_id}/").status_code == 200


def test_poster_provider_failure_inline_gives_the_unit_back(owner_client, org, settings, fake_openai):
    settings.AI_POSTER_BACKGROUND = "never"
    fake_openai.script(CHAT, (429, QUOTA_BODY))

    response = owner_client.post(POSTER, poster_body(), format="multipart")

    assert response.status_code == 503
    assert response.data["code"] == "ai_provider_quota_exhausted"
    assert used(org, "poster") == 0
    assert not MediaAsset.objects.filter(source=MediaAsset.Source.POSTER).exists()


def test_broker_down_fails_the_job_and_gives_the_unit_back(owner_client, org, settings, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    from backend.ai_services import tasks

    def refuse(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    settings.AI_POSTER_BACKGROUND = "always"
    monkeypatch.setattr(tasks.run_poster_job, "delay", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(POSTER, poster_body(), format="multipart")

    assert response.status_code == 202
    job = owner_client.get(f"/api/textile/jobs/{response.data['id']}/").data
    assert job["status"] == "failed" and job["error"]["code"] == "queue_unavailable"
    assert used(org, "poster") == 0


def test_poster_from_an_asset_whose_file_is_gone_is_a_400(owner_client, org):
    asset = MediaAsset.objects.create(organization=org, file="org-1/missing.jpg", format="JPEG",
                                      content_type="image/jpeg", width=10, height=10, size=10, sha256="0" * 64)
    response = owner_client.post(POSTER, {"asset_id": asset.id, "title": "Saree"}, format="multipart")
    assert response.status_code == 400 and "asset_id" in response.data
    assert used(org, "poster") == 0


def test_an_untrue_discount_names_the_right_figure(owner_client, org):
    # ₹1,799 against ₹2,499 is 28% off: "50% off" is refused, with the figure to send instead
    response = owner_client.post(POSTER, poster_body(price="1799", original_price="2499", discount_percent=50),
                                 format="multipart")
    assert response.status_code == 400
    assert response.data == {"discount_percent": [
        "₹1,799 against ₹2,499 is 28% off, not 50%: send discount_percent=28 or leave it out."]}
    assert used(org, "poster") == 0


def test_a_story_for_the_instagram_feed_names_the_right_size(owner_client, org):
    response = owner_client.post(POSTER, poster_body(size="story", platform="instagram"), format="multipart")
    assert response.status_code == 400
    [message] = response.data["size"]
    assert "4:5" in message and "size=portrait (1080x1350)" in message
    # the size it names is accepted
    response = owner_client.post(POSTER, poster_body(size="portrait", platform="instagram"), format="multipart")
    assert response.status_code == 201, response.data


def test_catalogue_titles_of_200_characters_make_posters_and_captions(owner_client):
    title = ("Pure Kanchipuram Silk Saree with Zari Border, Temple Design, Contrast Pallu and Running Blouse Piece "
             "for Weddings and Festivals, Handwoven by Master Weavers of Tamil Nadu, Maroon")
    title = (title + " and Gold, Festive Edit 2026")[:200]
    assert len(title) == 200
    response = owner_client.post(POSTER, poster_body(title=title), format="multipart")
    assert response.status_code == 201, response.data
    caption = owner_client.post(CAPTION, caption_body(product_name=title, platform="twitter"), format="json")
    assert caption.status_code == 200, caption.data


def test_poster_captions_name_the_product_not_the_sale(owner_client):
    body = poster_body(title="Banarasi Silk Saree Sale", language="hi")
    del body["discount_percent"]
    response = owner_client.post(POSTER, body, format="multipart")
    assert response.status_code == 201, response.data
    text = "\n".join(response.data["captions"])
    assert "Banarasi Silk Saree" in text and "Sale" not in text
    assert "दीपावली" in text and "diwali" not in text.lower()
    assert "₹1,499" in text and "30% छूट" in text  # the discount computed from ₹1,499 against ₹2,149


def test_the_contact_line_comes_from_the_organization_profile(owner_client, org):
    # given the shop saved its WhatsApp number and address
    response = owner_client.patch(f"/api/organizations/{org.id}/", {"whatsapp": "+91 98400 12345",
                                                                     "address": "14 Car Street, Madurai"}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["whatsapp"] == "+91 98400 12345"
    # when it makes a poster, the call to action is drawn from it
    from backend.ai_services.posters import PosterSpec
    from backend.ai_services.services import _poster_spec, poster_render

    org.refresh_from_db()
    spec = _poster_spec(organization=org, fields={"title": "Silk Saree", "price": 999, "language": "ta"})
    assert spec.contact == "வாட்ஸ்அப்: +91 98400 12345 · 14 Car Street, Madurai"
    result = poster_render(product_image=product_photo(), spec=spec)
    contact = next(b for b in result.text_boxes if b.role == "contact")
    assert contact.text == spec.contact and contact.contrast >= 4.5
    # and a shop can leave it off
    assert _poster_spec(organization=org, fields={"title": "Silk Saree", "call_to_action": False}).contact is None
    assert PosterSpec.create(title="x").contact is None
    response = owner_client.post(POSTER, poster_body(call_to_action="false"), format="multipart")
    assert response.status_code == 201, response.data


def test_a_bad_phone_number_is_a_400(owner_client, org):
    response = owner_client.patch(f"/api/organizations/{org.id}/", {"phone": "call me"}, format="json")
    assert response.status_code == 400 and "phone" in response.data
