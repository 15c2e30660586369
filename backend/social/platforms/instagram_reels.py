"""Instagram Reels: the container of a video post (the rest is instagram.py's two-phase flow).

As documented today (checked 2026-12-06), https://developers.facebook.com/docs/instagram-platform/content-publishing/
("Reels posts") and the reference of POST /{ig-user-id}/media: `media_type=REELS` with
`video_url` (a public URL Instagram downloads the video from), `caption`, `share_to_feed` (also
show the Reel in the feed) and `thumb_offset` (the cover frame, in milliseconds). Instagram then
processes the video: the container's `status_code` is IN_PROGRESS (for a while: video processing
takes longer than an image's) until FINISHED, or ERROR; only then may `media_publish` use it. The
bounded polling of instagram.py runs out as TRANSIENT and the next attempt resumes polling the
saved container: nothing is uploaded or published twice. One video per Reel; a carousel of videos
is not made.
"""
from __future__ import annotations

from typing import Any

from .base import ErrorKind, PublishError, PublishRequest

COVER_AT_MS = 1000


def reel_container(request: PublishRequest) -> dict[str, Any]:
    """The body of POST /{ig-user-id}/media for a post whose media is one video."""
    if len(request.media) != 1:
        raise PublishError(ErrorKind.PERMANENT, "Instagram: a Reel is one video, without other media.", code="reel_media_count")
    item = request.media[0]
    return {
        "media_type": "REELS",
        "video_url": item.url,
        "caption": request.text,
        "share_to_feed": True,
        "thumb_offset": min(COVER_AT_MS, int(item.duration * 500)),
    }
