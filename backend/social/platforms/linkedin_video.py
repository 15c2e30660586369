"""LinkedIn videos: the Videos API's multi-part upload, then the post (linkedin.py).

As documented today (checked 2026-12-06),
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api :
- `POST /rest/videos?action=initializeUpload` {initializeUploadRequest: {owner, fileSizeBytes,
  uploadCaptions: false, uploadThumbnail: false}} → `value` {video (a `urn:li:video:` URN),
  uploadToken, uploadInstructions: [{uploadUrl, firstByte, lastByte}, ...]} (one part per 4 MB);
- each part's bytes `PUT` to its uploadUrl (application/octet-stream); the answer's `ETag` header
  names the part;
- `POST /rest/videos?action=finalizeUpload` {finalizeUploadRequest: {video, uploadToken,
  uploadedPartIds: [the ETags, in order]}};
- `GET /rest/videos/{urn}`: `status` WAITING_UPLOAD / PROCESSING until AVAILABLE (or
  PROCESSING_FAILED); a post may reference the video once it is AVAILABLE, as `content.media.id`.

Exactly once: the video URN, upload token and instructions are saved as soon as initializeUpload
answers, each part's ETag after its PUT, and `finalized` after finalizeUpload; a redelivered task
uploads only the parts without an ETag and never initialises a second upload. Uploading creates
nothing visible: only `POST /rest/posts` (the final call) does.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .base import Credentials, ErrorKind, MediaItem, PublishError, PublishRequest
from .ids import LINKEDIN_VIDEO_URN, require_id

VIDEO_PENDING = ("WAITING_UPLOAD", "PROCESSING")
VIDEO_FAILED = ("PROCESSING_FAILED", "FAILED")


class LinkedInVideoMixin:
    """The video upload of LinkedInService (linkedin.py); see the module docstring."""

    def upload_video(self, request: PublishRequest, *, owner: str) -> str:
        credentials, state = request.credentials, request.state
        item: MediaItem = request.media[0]
        upload = state.setdefault("linkedin_video", {})
        if not upload.get("video"):
            value = self.call_json(
                "POST",
                "rest/videos",
                credentials=credentials,
                params={"action": "initializeUpload"},
                json={"initializeUploadRequest": {"owner": owner, "fileSizeBytes": item.size, "uploadCaptions": False, "uploadThumbnail": False}},
            )["value"]
            parts = [
                {"url": self.checked_url(str(part["uploadUrl"])), "first": int(part["firstByte"]), "last": int(part["lastByte"])}
                for part in value.get("uploadInstructions") or []
            ]
            if not parts:
                raise PublishError(ErrorKind.TRANSIENT, "LinkedIn gave no upload instructions for the video.", code="no_instructions")
            upload.update(
                video=require_id(self.name, "video URN", value.get("video"), LINKEDIN_VIDEO_URN),
                token=str(value.get("uploadToken") or ""),
                parts=parts,
                etags=[],
            )
            request.save_state(state)
        for part in upload["parts"][len(upload["etags"]):]:
            response = self.call(
                "PUT",
                part["url"],
                credentials=credentials,
                content=item.read_range(part["first"], part["last"] - part["first"] + 1),
                headers={"Content-Type": "application/octet-stream"},
            )
            etag = response.headers.get("etag", "")
            if not etag:
                raise PublishError(ErrorKind.TRANSIENT, "LinkedIn answered a video part without an ETag.", code="no_etag")
            upload["etags"].append(etag)
            request.save_state(state)
        if not upload.get("finalized"):
            self.call(
                "POST",
                "rest/videos",
                credentials=credentials,
                params={"action": "finalizeUpload"},
                json={"finalizeUploadRequest": {"video": upload["video"], "uploadToken": upload["token"], "uploadedPartIds": upload["etags"]}},
            )
            upload["finalized"] = True
            request.save_state(state)
        self.poll(lambda: self._video_available(credentials, upload["video"]), what=f"the video {upload['video']}")
        return upload["video"]

    def _video_available(self, credentials: Credentials, urn: str) -> str | None:
        body: dict[str, Any] = self.call_json("GET", f"rest/videos/{quote(urn, safe='')}", credentials=credentials)
        status = str(body.get("status", ""))
        if status in VIDEO_FAILED:
            reason = body.get("processingFailureReason") or status
            raise PublishError(ErrorKind.PERMANENT, f"LinkedIn could not process the video {urn} ({reason}).", code=status)
        return None if status in VIDEO_PENDING or not status else status
