"""The sandbox platform: needs no credentials, records every publication in the database.

It behaves like a real platform from the publisher's point of view (it returns an external id and
a permalink) and can be told to fail: a caption containing `[sandbox:fail-transient]`,
`[sandbox:fail-permanent]`, `[sandbox:fail-rate-limited]`, `[sandbox:fail-auth]` or
`[sandbox:fail-unconfirmed]` fails that way, for demos and tests.
"""
from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from ..models import SandboxPublication
from . import requirements
from .base import (
    CommentRequest,
    CommentResult,
    Credentials,
    ErrorKind,
    MediaItem,
    Metrics,
    PublishError,
    PublishRequest,
    PublishResult,
    SocialMediaService,
    before_final_call,
)
from .registry import register

# In a first comment's text: fail the comment that way (the post itself is not affected).
COMMENT_FAILURE_MARKERS = {
    "[sandbox:comment-fail-transient]": (ErrorKind.TRANSIENT, "sandbox_transient", "The sandbox failed the comment transiently, as asked."),
    "[sandbox:comment-fail-permanent]": (ErrorKind.PERMANENT, "sandbox_permanent", "The sandbox rejected the comment, as asked."),
}
FAILURE_MARKERS = {
    "[sandbox:fail-transient]": (ErrorKind.TRANSIENT, "sandbox_transient", "The sandbox failed transiently, as asked."),
    "[sandbox:fail-permanent]": (ErrorKind.PERMANENT, "sandbox_permanent", "The sandbox rejected the post, as asked."),
    "[sandbox:fail-rate-limited]": (ErrorKind.RATE_LIMITED, "sandbox_rate_limited", "The sandbox rate-limited the post, as asked."),
    "[sandbox:fail-auth]": (ErrorKind.AUTH, "sandbox_auth", "The sandbox rejected the token, as asked."),
    "[sandbox:fail-unconfirmed]": (ErrorKind.UNCONFIRMED, "sandbox_unconfirmed", "The sandbox did not confirm the post, as asked."),
}


def media_details(item: MediaItem) -> dict:
    """What the sandbox records of one media item (a video's duration and size included)."""
    details = {"url": item.url, "kind": item.kind, "size": item.size, "width": item.width, "height": item.height}
    if item.is_video:
        details["duration"] = item.duration
    return details


@register
class SandboxService(SocialMediaService):
    platform = "sandbox"
    name = "Sandbox"
    requirements = requirements.SANDBOX
    requires_access_token = False

    def publish(self, request: PublishRequest) -> PublishResult:
        for marker, (kind, code, message) in FAILURE_MARKERS.items():
            if marker in request.text:
                raise PublishError(kind, message, code=code, retry_after=1.0 if kind == ErrorKind.RATE_LIMITED else None)
        before_final_call()  # the publisher's fence
        publication = SandboxPublication.objects.create(
            post=request.post_id,
            social_account_id=request.credentials.account_id,
            caption=request.text,
            media=[item.url for item in request.media],
            media_details=[media_details(item) for item in request.media],
        )
        return self._result(publication)

    supports_first_comment = True

    def publish_comment(self, request: CommentRequest) -> CommentResult:
        """Records the comment on the sandbox publication, as a platform keeps it under the post."""
        from ..models import SandboxComment, SandboxPublication

        for marker, (kind, code, message) in COMMENT_FAILURE_MARKERS.items():
            if marker in request.text:
                raise PublishError(kind, message, code=code)
        publication = SandboxPublication.objects.filter(external_id=request.external_id).first()
        if publication is None:
            raise PublishError(ErrorKind.PERMANENT, "No such sandbox publication to comment on.", code="not_found")
        return CommentResult(external_id=SandboxComment.objects.create(publication=publication, text=request.text).external_id)

    def find_publication(self, *, credentials: Credentials, post_id: int, state: dict, text: str = "") -> PublishResult | None:
        """The sandbox knows exactly what it received: its publication of the post, or None."""
        publication = SandboxPublication.objects.filter(post=post_id).order_by("id").first()
        return self._result(publication) if publication is not None else None

    def _result(self, publication) -> PublishResult:
        return PublishResult(
            external_id=publication.external_id,
            permalink=f"{settings.PUBLIC_BASE_URL}/api/social/sandbox/publications/{publication.pk}/",
        )

    def fetch_metrics(self, *, credentials: Credentials, external_id: str) -> Metrics:
        publication = SandboxPublication.objects.filter(external_id=external_id).first()
        if publication is None:
            raise PublishError(ErrorKind.PERMANENT, "No such sandbox publication.", code="not_found")
        # Deterministic figures that grow with the publication's age, so refreshes show change.
        hours = int((timezone.now() - publication.published_at).total_seconds() // 3600)
        seed = publication.pk
        return Metrics(
            likes=seed % 7 + hours,
            comments=seed % 3 + hours // 4,
            shares=seed % 2 + hours // 8,
            views=10 * (seed % 11 + 1) + 5 * hours,
            reach=8 * (seed % 11 + 1) + 4 * hours,
            impressions=12 * (seed % 11 + 1) + 6 * hours,
        )
