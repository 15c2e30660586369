"""Facebook Page videos: Meta's Resumable Upload API, then the Page video post (facebook.py).

As documented today (checked 2026-12-06): the Video API's "Publish a video"
(https://developers.facebook.com/docs/video-api/guides/publishing) takes a *video handle* from the
Resumable Upload API (https://developers.facebook.com/docs/graph-api/guides/upload,
https://developers.facebook.com/docs/graph-api/resumable-upload-api); it no longer documents the
older `upload_phase=start/transfer/finish` flow on `/{page-id}/videos`. So:
- `POST /{app-id}/uploads?file_name&file_length&file_type=video/mp4&access_token={USER token}`
  → `{"id": "upload:<session>"}` (the app id is the OAuth client id; the token must be the app
  user's *User* access token: a Page token is not one);
- `POST /upload:<session>` with headers `Authorization: OAuth {user token}` and `file_offset`,
  the bytes as the body → `{"h": "<file handle>"}`; we send the file in CHUNK_BYTES pieces;
- an interrupted session: `GET /upload:<session>` (same header) → `{"id", "file_offset"}`, the
  offset to go on from;
- `POST https://graph-video.facebook.com/{version}/{page-id}/videos` with the Page token and
  `description`, `fbuploader_video_file_chunk={handle}` → `{"id": "<video id>"}`: this creates
  the Page's video post (Facebook processes it afterwards; the post exists from this answer on).

The user token is the long-lived one of the OAuth connection (facebook.py keeps it, encrypted,
as SocialAccount.user_token). A Page connected before it was kept has none: its video posts fail
permanently with a message to reconnect the Page.

Exactly once: the session id is saved as soon as `/uploads` answers, the offset after every chunk
and the handle once the last chunk is in; a redelivered task asks the server for its offset and
goes on from there, never opening a second session. Uploading creates nothing visible: only the
`/videos` call (the final one) does.
"""
from __future__ import annotations

import os
from typing import Any

from .base import ErrorKind, MediaItem, PublishError, PublishRequest
from .ids import GRAPH_ID, require_id

CHUNK_BYTES = 4 * 1024 * 1024  # the docs set no chunk size; 4 MB keeps each request short
SESSION_PREFIX = "upload:"
NO_USER_TOKEN = (
    "Facebook: this Page was connected before Postloom could post videos to it; reconnect the Page "
    "(Accounts → Reconnect) so videos can be uploaded."
)


class FacebookVideoMixin:
    """The video upload of FacebookService (facebook.py); see the module docstring."""

    def upload_video(self, request: PublishRequest) -> str:
        """The uploaded video's file handle (Resumable Upload API)."""
        credentials, state = request.credentials, request.state
        item: MediaItem = request.media[0]
        user_token = credentials.user_token
        if not user_token:  # also refused when scheduled (FacebookService.account_video_problem)
            raise PublishError(ErrorKind.PERMANENT, NO_USER_TOKEN, code="reconnect_for_video")
        upload = state.setdefault("facebook_video", {})
        if upload.get("handle"):
            return upload["handle"]
        oauth = {"Authorization": f"OAuth {user_token}"}
        if upload.get("session"):  # resumed: the server's offset is the truth (a chunk may have landed unrecorded)
            upload["offset"] = self._server_offset(upload["session"], oauth, user_token)
            if upload["offset"] >= item.size:
                # All in, but the handle was lost with the crash: the docs give it only in a
                # transfer's answer, so upload again in a new session (nothing visible exists yet).
                upload.clear()
        if not upload.get("session"):
            app_id = require_id(self.name, "app id", self.client_id, GRAPH_ID)
            body = self.call_json(
                "POST",
                f"{app_id}/uploads",
                params={
                    "file_name": os.path.basename(item.path) or "video.mp4",
                    "file_length": item.size,
                    "file_type": "video/mp4",
                    "access_token": user_token,
                },
                secrets=[user_token],
            )
            session = str(body.get("id", ""))
            if not session.startswith(SESSION_PREFIX) or not session[len(SESSION_PREFIX):]:
                raise PublishError(ErrorKind.TRANSIENT, "Facebook answered no upload session id.", code="no_session")
            upload.update(session=session, offset=0)
            request.save_state(state)
        handle = ""
        offset = int(upload["offset"])
        while offset < item.size:
            chunk = item.read_range(offset, min(CHUNK_BYTES, item.size - offset))
            body = self.call_json(
                "POST",
                upload["session"],
                content=chunk,
                headers={**oauth, "file_offset": str(offset), "Content-Type": "application/octet-stream"},
                secrets=[user_token],
            )
            offset += len(chunk)
            handle = str(body.get("h") or "")
            upload["offset"] = offset
            request.save_state(state)
        if not handle:
            raise PublishError(ErrorKind.TRANSIENT, "Facebook answered no file handle for the uploaded video.", code="no_handle")
        upload["handle"] = handle
        request.save_state(state)
        return handle

    def _server_offset(self, session: str, oauth: dict[str, str], user_token: str) -> int:
        body: dict[str, Any] = self.call_json("GET", session, headers=oauth, secrets=[user_token])
        try:
            return int(body.get("file_offset", 0))
        except (TypeError, ValueError):
            raise PublishError(ErrorKind.TRANSIENT, "Facebook answered no file offset for the upload session.", code="no_offset") from None

    def publish_video(self, request: PublishRequest, *, page_id: str) -> dict[str, Any]:
        """Upload (above), then `POST /{page-id}/videos` on the video host: creates the post."""
        handle = self.upload_video(request)
        version = f"/{self.api_version}" if self.api_version else ""
        return self.call_json(
            "POST",
            f"{self.config['video_base_url'].rstrip('/')}{version}/{page_id}/videos",
            credentials=request.credentials,
            data={"description": request.text, "fbuploader_video_file_chunk": handle},
            final=True,
        )
