"""TikTok video posts: Direct Post with `FILE_UPLOAD` in chunks, then status polling.

As documented today (checked 2026-12-06):
- Direct Post, https://developers.tiktok.com/doc/content-posting-api-reference-direct-post :
  `creator_info/query` first (privacy levels, interactions, and `max_video_post_duration_sec`: a
  video longer than the creator may post fails PERMANENT before anything is uploaded), then
  `POST /v2/post/publish/video/init/` with `post_info` {title (the caption, ≤ 2,200 UTF-16 units),
  privacy_level, disable_comment, disable_duet, disable_stitch, video_cover_timestamp_ms,
  brand_content_toggle, brand_organic_toggle} and `source_info` {source: FILE_UPLOAD, video_size,
  chunk_size, total_chunk_count}; it answers `publish_id` and `upload_url`.
- Media transfer, https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide :
  `PUT {upload_url}` per chunk, in order, with `Content-Type`, `Content-Length` and
  `Content-Range: bytes {first}-{last}/{total}`; 206 Partial Content until the last chunk, then
  201 Created. Chunks are 5-64 MB, the last one up to 128 MB (it takes the trailing bytes);
  `total_chunk_count` = video_size // chunk_size; a video under 5 MB goes whole; 1-1000 chunks.
- Status, https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status :
  `POST /v2/post/publish/status/fetch/` {publish_id} → status (PROCESSING_UPLOAD,
  PROCESSING_DOWNLOAD, SEND_TO_USER_INBOX, PUBLISH_COMPLETE, FAILED), `uploaded_bytes`,
  `fail_reason`, `publicaly_available_post_id` (sic).

Exactly once: the publish_id, upload URL and chunk plan are saved with `request.save_state` as
soon as init answers, and the count of uploaded chunks after every chunk. A redelivered task never
initialises a second post: it asks TikTok how many bytes it holds (`uploaded_bytes`) and resumes
from the next chunk, or only polls when the upload was complete. One upload session can become at
most one post, so the last chunk is fenced (the publisher's claim) but a timeout on it is TRANSIENT:
the next attempt asks the status instead of uploading again.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings

from .base import Credentials, ErrorKind, MediaItem, PublishError, PublishRequest, PublishResult, before_final_call

MB = 1024 * 1024
CHUNK_MIN = 5 * MB
CHUNK_MAX = 64 * MB
CHUNKS_MAX = 1000
VIDEO_TITLE_MAX = 2200
COVER_AT_MS = 1000
DONE = ("PUBLISH_COMPLETE", "FAILED")


def chunk_plan(video_size: int, wanted: int) -> tuple[int, int]:
    """(chunk_size, total_chunk_count) under TikTok's chunk restrictions."""
    if video_size < CHUNK_MIN:
        return video_size, 1
    chunk = min(max(wanted, CHUNK_MIN), CHUNK_MAX)
    chunk = max(chunk, -(-video_size // CHUNKS_MAX))  # at most 1000 chunks
    if video_size <= chunk:
        return video_size, 1
    return chunk, video_size // chunk


def utf16_cut(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-16 code units (TikTok counts the title that way)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


class TikTokVideoMixin:
    """The video half of TikTokService (tiktok.py); see the module docstring."""

    def publish_video(self, request: PublishRequest) -> PublishResult:
        credentials, state = request.credentials, request.state
        item = request.media[0]
        if not state.get("publish_id"):
            state.update(self._video_init(request, item))
            request.save_state(state)
        elif state.get("upload_url") and state.get("uploaded_chunks", 0) < state.get("chunk_count", 0):
            state["uploaded_chunks"] = self._chunks_held(credentials, state)
            request.save_state(state)
        self._upload_chunks(request, item)
        status = self.poll(lambda: self._video_status(credentials, state["publish_id"]), what="the TikTok video")
        if status.get("status") == "FAILED":
            reason = status.get("fail_reason", "unknown")
            raise PublishError(ErrorKind.PERMANENT, f"TikTok could not publish the video: {reason}", code=reason)
        return self._video_result(credentials, state["publish_id"], status)

    def _video_init(self, request: PublishRequest, item: MediaItem) -> dict[str, Any]:
        credentials = request.credentials
        creator = self.api("post/publish/creator_info/query/", credentials=credentials, json={})
        longest = creator.get("max_video_post_duration_sec")
        if longest and item.duration > float(longest):
            raise PublishError(
                ErrorKind.PERMANENT,
                f"TikTok: this creator can post videos of at most {int(longest)} seconds; this one is {item.duration:.1f}. "
                "Trim it (POST /api/social/video_fits/ with trim) or choose a shorter video.",
                code="duration_over_creator_limit",
            )
        post_info = self.post_info(creator=creator, options=request.options)
        post_info.pop("auto_add_music", None)  # photo posts only
        chunk_size, chunk_count = chunk_plan(item.size, settings.TIKTOK_UPLOAD_CHUNK_BYTES)
        data = self.api(
            "post/publish/video/init/",
            credentials=credentials,
            json={
                "post_info": {
                    "title": utf16_cut(request.text, VIDEO_TITLE_MAX),
                    **post_info,
                    "disable_duet": True,  # interactions stay off unless the creator's choice says otherwise
                    "disable_stitch": True,
                    "video_cover_timestamp_ms": min(COVER_AT_MS, int(item.duration * 500)),
                },
                "source_info": {
                    "source": "FILE_UPLOAD",
                    "video_size": item.size,
                    "chunk_size": chunk_size,
                    "total_chunk_count": chunk_count,
                },
            },
        )
        return {
            "publish_id": str(data["publish_id"]),
            "upload_url": self.checked_url(str(data.get("upload_url", ""))),
            "video_size": item.size,
            "chunk_size": chunk_size,
            "chunk_count": chunk_count,
            "uploaded_chunks": 0,
        }

    def _upload_chunks(self, request: PublishRequest, item: MediaItem) -> None:
        state = request.state
        size, chunk, count = state["video_size"], state["chunk_size"], state["chunk_count"]
        for index in range(state.get("uploaded_chunks", 0), count):
            start = index * chunk
            end = size if index == count - 1 else start + chunk
            if index == count - 1:
                before_final_call()  # the complete upload becomes the post
            self.call(
                "PUT",
                state["upload_url"],
                content=item.read_range(start, end - start),
                headers={"Content-Type": item.content_type, "Content-Range": f"bytes {start}-{end - 1}/{size}"},
            )
            state["uploaded_chunks"] = index + 1
            request.save_state(state)

    def _chunks_held(self, credentials: Credentials, state: dict[str, Any]) -> int:
        """How many chunks TikTok holds (its `uploaded_bytes`), to resume after the last of them."""
        data = self.api("post/publish/status/fetch/", credentials=credentials, json={"publish_id": state["publish_id"]})
        held = int(data.get("uploaded_bytes") or 0)
        if held >= state["video_size"]:
            return state["chunk_count"]
        return min(held // state["chunk_size"], state["chunk_count"] - 1)

    def _video_status(self, credentials: Credentials, publish_id: str) -> dict[str, Any] | None:
        data = self.api("post/publish/status/fetch/", credentials=credentials, json={"publish_id": publish_id})
        return data if data.get("status") in DONE else None

    def _video_result(self, credentials: Credentials, publish_id: str, status: dict[str, Any]) -> PublishResult:
        post_ids = status.get("publicaly_available_post_id") or []  # sic: TikTok's spelling
        external_id = str(post_ids[0]) if post_ids else publish_id
        handle = credentials.handle.lstrip("@")
        permalink = f"https://www.tiktok.com/@{handle}/video/{post_ids[0]}" if post_ids and handle else ""
        return PublishResult(external_id=external_id, permalink=permalink, details={"publish_id": publish_id})

    def find_publication(self, *, credentials: Credentials, post_id: int, state: dict, text: str = "") -> PublishResult | None:
        """After a crash during a video publish: TikTok's status of the saved upload session
        (photo posts keep the default: nobody can tell)."""
        if not state.get("video_size") or not state.get("publish_id"):
            return super().find_publication(credentials=credentials, post_id=post_id, state=state, text=text)
        data = self.api("post/publish/status/fetch/", credentials=credentials, json={"publish_id": state["publish_id"]})
        if data.get("status") == "PUBLISH_COMPLETE":
            return self._video_result(credentials, state["publish_id"], data)
        if data.get("status") == "FAILED":
            return None
        if int(data.get("uploaded_bytes") or 0) < int(state.get("video_size") or 0):
            return None  # the upload is incomplete: publishing again resumes it
        raise PublishError(ErrorKind.TRANSIENT, "TikTok is still processing the video.", code="still_processing")

