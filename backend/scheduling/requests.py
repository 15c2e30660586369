"""What a platform is sent for a post: the one place a PublishRequest is built (the worker
publishes it; recovery asks the platform whether it has it)."""
from __future__ import annotations

from backend.assets.models import MediaAsset
from backend.social.platforms.base import MediaItem, PublishRequest
from backend.social.text import compose
from backend.social.tokens import credentials_for

from .models import ScheduledPost


def media_item_for(asset: MediaAsset) -> MediaItem:
    return MediaItem(
        url=asset.url,
        path=asset.file.path,
        content_type=asset.content_type,
        width=asset.width,
        height=asset.height,
        size=asset.size,
        kind=asset.kind,
        duration=asset.duration or 0.0,
        thumbnail_url=asset.thumbnail_url or "",
    )


def publish_request_for(post: ScheduledPost) -> PublishRequest:
    """The post as its platform receives it; the adapter's checkpoint is saved on the post."""

    def save_state(state: dict) -> None:
        ScheduledPost.objects.filter(pk=post.pk).update(publish_state=state)

    return PublishRequest(
        post_id=post.pk,
        text=compose(post.caption, post.hashtags),
        credentials=credentials_for(post.social_account),
        media=[media_item_for(post.asset)] if post.asset else [],
        state=dict(post.publish_state),
        save_state=save_state,
        options=dict(post.metadata.get(post.platform) or {}),  # e.g. metadata["tiktok"]: privacy, interactions
    )
