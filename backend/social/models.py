from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from backend.core.fields import EncryptedTextField
from backend.core.models import BackgroundJob


class SocialAccount(models.Model):
    """A connected account on one platform, owned by an organization.

    Tokens are encrypted at rest and never leave the server through the API.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"
        DISCONNECTED = "disconnected", "Disconnected"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="social_accounts")
    platform = models.CharField(max_length=32, db_index=True)
    handle = models.CharField(max_length=255)
    external_id = models.CharField(max_length=255, blank=True)
    access_token = EncryptedTextField(blank=True, default="")
    refresh_token = EncryptedTextField(blank=True, default="")
    # A user token some uploads need besides the account's own token (Facebook: the long-lived
    # user token that Meta's Resumable Upload API takes for Page videos; see facebook_video.py).
    user_token = EncryptedTextField(blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    # Token bookkeeping (see backend/social/tokens.py): bumped on every stored token change, so a
    # refresher that read version n stores its result only if nobody stored n+1 meanwhile; when
    # the current tokens were stored; and a short claim held while one refresher talks to the
    # platform (a rotating refresh token must be spent once).
    token_version = models.PositiveIntegerField(default=0)
    tokens_updated_at = models.DateTimeField(null=True, blank=True)
    refresh_claimed_until = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(blank=True)
    # Platform-specific, non-secret settings (e.g. WhatsApp phone_number_id and recipients).
    metadata = models.JSONField(default=dict, blank=True)
    connected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["organization", "platform"])]

    def __str__(self) -> str:
        return f"{self.platform}:{self.handle}"


def _sandbox_external_id() -> str:
    return f"sbx_{uuid.uuid4().hex}"


def _sandbox_comment_id() -> str:
    return f"sbxc_{uuid.uuid4().hex}"


class SandboxPublication(models.Model):
    """What the sandbox platform received: one row per successful publish.

    `post` is the publisher's reference (PublishRequest.post_id), as a real platform would keep a
    client reference: a plain id, not a foreign key, so the social app knows nothing of posts.
    """

    post = models.BigIntegerField(null=True, blank=True, db_index=True, db_column="post_id")
    social_account = models.ForeignKey(SocialAccount, on_delete=models.SET_NULL, null=True, related_name="sandbox_publications")
    caption = models.TextField(blank=True)
    media = models.JSONField(default=list, blank=True)
    # What was received of each media item: [{url, kind, size, width, height, duration}].
    media_details = models.JSONField(default=list, blank=True)
    external_id = models.CharField(max_length=64, unique=True, default=_sandbox_external_id)
    published_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.external_id


class SandboxComment(models.Model):
    """A first comment the sandbox platform received on one of its publications."""

    publication = models.ForeignKey(SandboxPublication, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField()
    external_id = models.CharField(max_length=64, unique=True, default=_sandbox_comment_id)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.external_id


class OAuthState(models.Model):
    """One OAuth authorization in flight: single use, short-lived, bound to who started it.

    Only a hash of the `state` value is kept; the PKCE verifier (X) is encrypted at rest.
    """

    state_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=32)
    redirect_uri = models.URLField(max_length=2000)
    code_verifier = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"OAuth {self.platform} for organization {self.organization_id}"


class VideoFitJob(BackgroundJob):
    """A background auto-fit of a video for one platform (backend/social/videofits.py): its
    progress, and the fitted rendition added to the media library when it succeeds."""

    class Mode(models.TextChoices):
        PAD = "pad", "Pad (keep the whole picture)"
        CROP = "crop", "Crop around the centre"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="video_fit_jobs")
    source = models.ForeignKey("assets.MediaAsset", on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=32)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.PAD)
    trim = models.BooleanField(default=False, help_text="May the video be cut to the platform's longest duration?")
    progress = models.FloatField(default=0.0, help_text="0 to 1.")
    result = models.ForeignKey("assets.MediaAsset", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    def __str__(self) -> str:
        return f"video fit {self.pk} for {self.platform} ({self.status})"
