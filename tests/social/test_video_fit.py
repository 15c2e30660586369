"""Auto-fit jobs: a video re-encoded for a platform in the background, with progress; the rendition
is probed like any upload and passes the platform's preflight."""
from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.social import tasks  # noqa: F401  (registers the fit task, so eager Celery runs it)
from backend.social.models import VideoFitJob
from backend.social.platforms.twitter import TwitterService
from tests.conftest import make_image

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name="reel.mp4") -> dict:
    response = client.post("/api/media/", {"file": SimpleUploadedFile(name, data)}, format="multipart")
    assert response.status_code == 201, response.data
    return response.data


def fit(client, capture, **body):
    with capture(execute=True):
        response = client.post("/api/social/video_fits/", body, format="json")
    return response


def test_a_too_wide_video_is_padded_for_x_in_the_background(owner_client, clip, django_capture_on_commit_callbacks):
    wide = upload(owner_client, clip(size=(1200, 300)).read_bytes())  # 4:1, X takes 1:3 to 3:1
    assert owner_client.post("/api/social/preflight/", {"platform": "twitter", "asset_id": wide["id"], "caption": "x"}, format="json").data["video_fit"] == "fit"

    response = fit(owner_client, django_capture_on_commit_callbacks, asset_id=wide["id"], platform="twitter")

    assert response.status_code == 202, response.data
    assert response.data["status"] == "queued"
    job = owner_client.get(f"/api/social/video_fits/{response.data['id']}/").data
    assert (job["status"], job["progress"], job["error"]) == ("succeeded", 1.0, None)
    result = job["result"]
    assert (result["kind"], result["source"], result["format"], result["codec"], result["audio_codec"]) == ("video", "fitted", "MP4", "h264", "aac")
    assert (result["width"], result["height"]) == (1200, 400)  # padded to 3:1, nothing cut
    assert result["duration"] == pytest.approx(2.0, abs=0.15)
    check = owner_client.post("/api/social/preflight/", {"platform": "twitter", "asset_id": result["id"], "caption": "x"}, format="json")
    assert check.data["ok"] is True, check.data


def test_crop_keeps_the_centre_and_a_phone_video_comes_out_upright(owner_client, clip, django_capture_on_commit_callbacks):
    stored = upload(owner_client, clip(size=(300, 1200), rotation=90, audio=False).read_bytes())  # shown 1200x300
    assert (stored["width"], stored["height"]) == (1200, 300)

    response = fit(owner_client, django_capture_on_commit_callbacks, asset_id=stored["id"], platform="twitter", mode="crop")

    result = VideoFitJob.objects.get(pk=response.data["id"]).result
    assert (result.width, result.height, result.rotation, result.audio_codec) == (900, 300, 0, "")


def test_trim_only_when_asked(owner_client, clip, django_capture_on_commit_callbacks, monkeypatch):
    rules = TwitterService.requirements
    monkeypatch.setattr(TwitterService, "requirements", replace(rules, video=replace(rules.video, max_seconds=1.0)))
    video = upload(owner_client, clip().read_bytes())

    refused = fit(owner_client, django_capture_on_commit_callbacks, asset_id=video["id"], platform="twitter")
    assert refused.status_code == 400
    assert "trim: true" in str(refused.data["trim"])
    assert not VideoFitJob.objects.exists()

    response = fit(owner_client, django_capture_on_commit_callbacks, asset_id=video["id"], platform="twitter", trim=True)
    result = VideoFitJob.objects.get(pk=response.data["id"]).result
    assert result.duration == pytest.approx(1.0, abs=0.1)


def test_what_no_fit_helps_is_a_400(owner_client, clip, django_capture_on_commit_callbacks):
    video = upload(owner_client, clip().read_bytes())
    image = upload(owner_client, make_image(), name="photo.jpg")

    too_short = fit(owner_client, django_capture_on_commit_callbacks, asset_id=video["id"], platform="instagram")
    nothing_to_do = fit(owner_client, django_capture_on_commit_callbacks, asset_id=video["id"], platform="twitter")
    not_a_video = fit(owner_client, django_capture_on_commit_callbacks, asset_id=image["id"], platform="twitter")

    assert too_short.status_code == 400 and "at least 3 seconds" in str(too_short.data["asset_id"])
    assert nothing_to_do.status_code == 400 and "nothing to fit" in str(nothing_to_do.data["asset_id"])
    assert not_a_video.status_code == 400 and "image" in str(not_a_video.data["asset_id"])
    assert not VideoFitJob.objects.exists()


def test_jobs_are_scoped_to_the_organization(owner_client, client_for, member, other_org, clip, django_capture_on_commit_callbacks):
    wide = upload(owner_client, clip(size=(1200, 300)).read_bytes())
    job_id = fit(owner_client, django_capture_on_commit_callbacks, asset_id=wide["id"], platform="twitter").data["id"]
    stranger = client_for(member(other_org))

    assert stranger.get(f"/api/social/video_fits/{job_id}/").status_code == 404
    assert fit(stranger, django_capture_on_commit_callbacks, asset_id=wide["id"], platform="twitter").status_code == 400


def test_a_redelivered_message_does_not_fit_twice(owner_client, clip, django_capture_on_commit_callbacks):
    from backend.social.videofits import video_fit_run

    wide = upload(owner_client, clip(size=(1200, 300)).read_bytes())
    job_id = fit(owner_client, django_capture_on_commit_callbacks, asset_id=wide["id"], platform="twitter").data["id"]

    assert video_fit_run(job_id=job_id) is None
    assert VideoFitJob.objects.get(pk=job_id).status == "succeeded"


def test_the_re_encode_reports_progress_and_clamps_the_frame_rate(clip, tmp_path):
    """TikTok takes 23-60 FPS: a 15 FPS clip comes out at 23, its length kept, progress rising to 1."""
    from backend.core.videos import video_probe
    from backend.social.platforms.requirements import TIKTOK_VIDEO
    from backend.social.videofit import fit_plan, video_fit

    source = clip(size=(360, 640), fps=15)
    info = video_probe(str(source), poster=False)
    marks: list[float] = []

    video_fit(source=str(source), destination=str(tmp_path / "out.mp4"), info=info, plan=fit_plan(TIKTOK_VIDEO, info), progress=marks.append)

    out = video_probe(str(tmp_path / "out.mp4"), poster=False)
    assert (out.width, out.height, out.frame_rate, out.video_codec, out.audio_codec) == (360, 640, 23.0, "h264", "aac")
    assert out.duration == pytest.approx(2.0, abs=0.1)
    assert marks == sorted(marks) and marks[-1] == 1.0 and len(marks) > 5
