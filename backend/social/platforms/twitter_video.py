"""X videos: the chunked media upload of the X API v2, then the post (twitter.py).

As documented today (checked 2026-12-06): the quickstart
https://docs.x.com/x-api/media/quickstart/media-upload-chunked and the v2 reference of the
dedicated endpoints that replace the `command=INIT/APPEND/FINALIZE` form (xdevplatform/samples#199
moved the official sample to them):
- `POST /2/media/upload/initialize` JSON {media_type, total_bytes, media_category: tweet_video}
  → `data.id` (and `expires_after_secs`);
- `POST /2/media/upload/{id}/append` multipart {segment_index (0-999), media (≤ 5 MB)}, in order;
- `POST /2/media/upload/{id}/finalize` → `data.processing_info` {state, check_after_secs} when X
  processes the video;
- `GET /2/media/upload?command=STATUS&media_id={id}` → `data.processing_info.state`: pending →
  in_progress → succeeded | failed (with `error` {code, name, message}). A media id may be
  used in a post only once it succeeded.

Exactly once: the media id is saved as soon as initialize answers, the number of segments after
every APPEND, and `finalized` after FINALIZE; a redelivered task continues from there (an APPEND
of a segment X already holds replaces it, which is why segments can be retried one by one) and
never initialises a second upload. Processing that outlasts the bounded polling is TRANSIENT: the
next attempt polls the same media id. Uploading creates nothing visible: only `POST /2/tweets`
(the final call, in twitter.py) does.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings

from .base import Credentials, ErrorKind, MediaItem, PublishError, PublishRequest
from .ids import X_ID, require_id

SEGMENT_MAX = 5 * 1024 * 1024
SEGMENTS_MAX = 1000


class XVideoMixin:
    """The video upload of TwitterService (twitter.py); see the module docstring."""

    def upload_video(self, request: PublishRequest, item: MediaItem) -> str:
        credentials, state = request.credentials, request.state
        upload = state.setdefault("x_video", {})
        if not upload.get("media_id"):
            answer = self.call_json(
                "POST",
                "media/upload/initialize",
                credentials=credentials,
                json={"media_type": item.content_type, "total_bytes": item.size, "media_category": "tweet_video"},
            )
            upload.update(media_id=require_id(self.name, "media id", answer["data"]["id"], X_ID), segments=0)
            request.save_state(state)
        media_id = upload["media_id"]
        segment = min(settings.X_MEDIA_CHUNK_BYTES, SEGMENT_MAX)
        segment = max(segment, -(-item.size // SEGMENTS_MAX))
        count = max(1, -(-item.size // segment))
        for index in range(upload.get("segments", 0), count):
            self.call(
                "POST",
                f"media/upload/{media_id}/append",
                credentials=credentials,
                data={"segment_index": str(index)},
                files={"media": ("segment", item.read_range(index * segment, segment), "application/octet-stream")},
            )
            upload["segments"] = index + 1
            request.save_state(state)
        if not upload.get("finalized"):
            answer = self.call_json("POST", f"media/upload/{media_id}/finalize", credentials=credentials)
            upload["finalized"] = True
            upload["processed"] = not (answer.get("data") or {}).get("processing_info")
            request.save_state(state)
        if not upload.get("processed"):
            self.poll(lambda: self._video_processed(credentials, media_id), what="X's processing of the video")
            upload["processed"] = True
            request.save_state(state)
        return media_id

    def _video_processed(self, credentials: Credentials, media_id: str) -> bool | None:
        answer = self.call_json("GET", "media/upload", credentials=credentials, params={"command": "STATUS", "media_id": media_id})
        info: dict[str, Any] = (answer.get("data") or {}).get("processing_info") or {}
        state = info.get("state", "succeeded")
        if state == "failed":
            error = info.get("error") or {}
            raise PublishError(
                ErrorKind.PERMANENT,
                f"X could not process the video: {error.get('message') or error.get('name') or 'failed'}",
                code=str(error.get("name") or "media_failed"),
            )
        return True if state == "succeeded" else None
