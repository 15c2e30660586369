"""Instagram Reels: a REELS container from the video's URL, processing polled until FINISHED (the
fake refuses media_publish before), published once even when processing outlasts an attempt."""
from __future__ import annotations

import pytest

from backend.social.platforms.base import ErrorKind, MediaItem, PublishError
from backend.social.platforms.instagram import InstagramService

from .conftest import make_request

IG = "17841400000000001"
MEDIA_ID = "17912345678900777"


def reel_item(duration=12.0) -> MediaItem:
    return MediaItem(url="https://cdn.postloom.test/media/drape.mp4", content_type="video/mp4", width=1080, height=1920,
                     size=9_000_000, kind="video", duration=duration)


def script_publish(fake) -> None:
    fake.reply("POST", f"/v23.0/{IG}/media_publish", {"id": MEDIA_ID})
    fake.reply("GET", f"/v23.0/{MEDIA_ID}", {"permalink": f"https://www.instagram.com/reel/{MEDIA_ID}/", "id": MEDIA_ID})


def test_a_video_is_published_as_a_reel_after_processing(platforms, state_log):
    script_publish(platforms)

    result = InstagramService().publish(make_request(text="Drape of the week #saree", external_id=IG, media=[reel_item()], save_state=state_log))

    create = platforms.calls("POST", f"/v23.0/{IG}/media")[0]
    assert create.json() == {
        "media_type": "REELS", "video_url": "https://cdn.postloom.test/media/drape.mp4", "caption": "Drape of the week #saree",
        "share_to_feed": True, "thumb_offset": 1000,
    }
    container = create.reply.body["id"]
    polls = platforms.calls("GET", f"/v23.0/{container}")
    assert [p.reply.body["status_code"] for p in polls] == ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"]
    assert platforms.calls("POST", f"/v23.0/{IG}/media_publish")[0].json() == {"creation_id": container}
    assert state_log.saved[0][1]["creation_id"] == container  # checkpointed before any poll
    assert (result.external_id, result.permalink) == (MEDIA_ID, f"https://www.instagram.com/reel/{MEDIA_ID}/")


def test_processing_longer_than_an_attempt_resumes_and_publishes_once(platforms, state_log):
    script_publish(platforms)
    platforms.state["reel_processing_polls"] = 6  # the test settings poll 4 times per attempt

    with pytest.raises(PublishError) as waiting:
        InstagramService().publish(make_request(external_id=IG, media=[reel_item()], save_state=state_log))
    assert (waiting.value.kind, waiting.value.code) == (ErrorKind.TRANSIENT, "still_processing")
    saved = dict(state_log.saved[-1][1])

    result = InstagramService().publish(make_request(external_id=IG, media=[reel_item()], state=saved, save_state=state_log))

    assert len(platforms.calls("POST", f"/v23.0/{IG}/media")) == 1  # the saved container was reused
    assert len(platforms.calls("POST", f"/v23.0/{IG}/media_publish")) == 1
    assert result.external_id == MEDIA_ID


def test_a_reel_instagram_cannot_process_fails_permanently(platforms):
    platforms.state["reel_error"] = "Unsupported video codec"

    with pytest.raises(PublishError) as failed:
        InstagramService().publish(make_request(external_id=IG, media=[reel_item()]))

    assert failed.value.kind == ErrorKind.PERMANENT
    assert not platforms.calls("POST", f"/v23.0/{IG}/media_publish")


def test_the_fake_refuses_to_publish_a_reel_still_processing(platforms):
    import httpx

    headers = {"Authorization": "Bearer token"}
    container = httpx.post(f"{platforms.url}/v23.0/{IG}/media", headers=headers,
                           json={"media_type": "REELS", "video_url": "https://cdn.postloom.test/a.mp4", "caption": "x"}).json()["id"]
    answer = httpx.post(f"{platforms.url}/v23.0/{IG}/media_publish", headers=headers, json={"creation_id": container})

    assert answer.status_code == 400
    assert (answer.json()["error"]["code"], answer.json()["error"]["error_subcode"]) == (9007, 2207027)
