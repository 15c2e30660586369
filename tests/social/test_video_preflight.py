"""Video preflight per platform, from each platform's documented limits (requirements.py cites them)."""
from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.core.videos import VideoInfo
from backend.social.platforms import requirements as R
from backend.social.preflight import preflight

REEL = VideoInfo(
    format="MP4", width=1080, height=1920, duration=20.0, frame_rate=30.0, video_codec="h264", audio_codec="aac",
    rotation=0, bitrate=6_000_000, size=15_000_000, audio_channels=2, audio_sample_rate=48000,
)


def check(requirements, video, caption="Silk saree drape"):
    return preflight(requirements=requirements, caption=caption, video=video)


@pytest.mark.parametrize("platform", [R.INSTAGRAM, R.TIKTOK, R.SANDBOX])
def test_a_1080x1920_h264_reel_passes_where_reels_are_taken(platform):
    result = check(platform, REEL)
    assert (result.ok, result.problems, result.video_fit) == (True, [], "")


def test_x_takes_at_most_140_seconds_and_1280x1024_either_way():
    result = check(R.TWITTER, replace(REEL, duration=150.0))

    assert result.codes == ["video_too_long", "video_too_big"]
    assert "at most 140 seconds" in result.problems[0].message
    assert "1,280 × 1,024" in result.problems[1].message
    assert result.video_fit == "fit_with_trim"
    assert check(R.TWITTER, replace(REEL, width=720, height=1280)).ok


def test_reels_need_3_seconds_and_no_fit_lengthens_a_video():
    result = check(R.INSTAGRAM, replace(REEL, duration=2.0))

    assert result.codes == ["video_too_short"]
    assert result.video_fit == ""


def test_codec_frame_rate_and_shape_problems_are_fixable():
    odd = replace(REEL, video_codec="prores", audio_codec="pcm_s16le", frame_rate=15.0, width=1920, height=1080 * 7)

    result = check(R.TIKTOK, odd)

    assert set(result.codes) == {"unsupported_video_codec", "unsupported_audio_codec", "frame_rate_out_of_range", "video_too_big"}
    assert result.video_fit == "fit"
    assert "23-60 frames per second" in next(p.message for p in result.problems if p.code == "frame_rate_out_of_range")


def test_x_refuses_a_shape_outside_1_3_to_3_1():
    result = check(R.TWITTER, replace(REEL, width=1200, height=300))
    assert "aspect_ratio_out_of_range" in result.codes
    assert result.video_fit == "fit"


@pytest.mark.parametrize("platform", [R.WHATSAPP, R.FACEBOOK])
def test_platforms_without_a_video_flow_refuse_videos(platform):
    result = check(platform, REEL)
    assert result.codes == ["video_not_supported"]
    assert result.video_fit == ""


def test_linkedin_takes_mp4_from_3_seconds():
    assert check(R.LINKEDIN, REEL).ok
    result = check(R.LINKEDIN, replace(REEL, format="MOV", duration=2.0))
    assert result.codes == ["unsupported_container", "video_too_short"]
    assert result.video_fit == ""


def test_surround_sound_is_refused_by_reels():
    result = check(R.INSTAGRAM, replace(REEL, audio_channels=6))
    assert result.codes == ["audio_not_supported"]


@pytest.mark.django_db
def test_preflight_api_checks_a_video_asset(owner_client, clip):
    video = owner_client.post("/api/media/", {"file": SimpleUploadedFile("r.mp4", clip().read_bytes())}, format="multipart").data

    reels = owner_client.post("/api/social/preflight/", {"platform": "instagram", "caption": "Drape", "asset_id": video["id"]}, format="json")
    x = owner_client.post("/api/social/preflight/", {"platform": "twitter", "caption": "Drape", "asset_id": video["id"]}, format="json")

    assert reels.status_code == 200
    assert reels.data["ok"] is False
    assert [p["code"] for p in reels.data["problems"]] == ["video_too_short"]
    assert reels.data["video_fit"] == ""
    assert x.data["ok"] is True


@pytest.mark.django_db
def test_platform_list_shows_video_limits(owner_client):
    rows = {row["platform"]: row for row in owner_client.get("/api/social/platforms/").data}

    assert rows["twitter"]["video"]["max_seconds"] == 140
    assert rows["instagram"]["video"]["fit_aspect_ratio"] == pytest.approx(9 / 16)
    assert rows["whatsapp"]["video"] is None


def test_a_tiktok_video_title_is_at_most_2200_units():
    assert check(R.TIKTOK, REEL, caption="a" * 2200).ok
    result = check(R.TIKTOK, REEL, caption="a" * 2201)
    assert result.codes == ["caption_too_long"]
    assert "2,200" in result.problems[0].message


def test_only_a_platform_that_downloads_the_video_needs_a_public_media_url(settings):
    settings.MEDIA_URL_CHECK = True
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"

    reels = check(R.INSTAGRAM, REEL)
    assert reels.codes == ["media_url_not_public"]
    assert "downloads the video" in reels.problems[0].message
    assert check(R.TIKTOK, REEL).ok  # FILE_UPLOAD: TikTok receives the bytes
    assert check(R.TWITTER, replace(REEL, width=720, height=1280)).ok
