from __future__ import annotations

from django.conf import settings
from django.db import models


def _default_max_retries() -> int:
    return settings.PUBLISH_MAX_RETRIES


class FirstCommentStatus(models.TextChoices):
    NONE = "none", "None"
    PENDING = "pending", "Pending"
    POSTED = "posted", "Posted"
    FAILED = "failed", "Failed"


class ScheduledPost(models.Model):
    """One post for one social account at one time. Its status moves only through `transition`."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Pending approval"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHING = "publishing", "Publishing"
        POSTED = "posted", "Posted"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    # No index of its own: the list indexes below all lead with organization_id (a lone one only
    # tempted the planner into reading a whole organization and sorting it).
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="posts", db_index=False)
    social_account = models.ForeignKey("social.SocialAccount", on_delete=models.PROTECT, related_name="posts")
    platform = models.CharField(max_length=32, db_index=True)
    caption = models.TextField(blank=True)
    hashtags = models.JSONField(default=list, blank=True)
    asset = models.ForeignKey("assets.MediaAsset", on_delete=models.PROTECT, null=True, blank=True, related_name="posts")
    scheduled_time = models.DateTimeField(db_index=True)
    timezone = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED, db_index=True)
    retry_count = models.PositiveIntegerField(default=0)
    max_retries = models.PositiveIntegerField(default=_default_max_retries)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    external_post_id = models.CharField(max_length=255, blank=True)
    permalink = models.URLField(max_length=500, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    metadata = models.JSONField(default=dict, blank=True)
    group_id = models.UUIDField(null=True, blank=True, db_index=True)
    # A recurring series' occurrence (see series.py): at most one post per (series, occurrence).
    series = models.ForeignKey("scheduling.PostSeries", on_delete=models.PROTECT, null=True, blank=True, related_name="posts")
    occurrence_time = models.DateTimeField(null=True, blank=True)
    # The first comment, published after the post succeeds (see first_comments.py): its own
    # outcome and retries; it never re-publishes the post.
    first_comment = models.TextField(blank=True)
    first_comment_status = models.CharField(max_length=16, choices=FirstCommentStatus.choices, default=FirstCommentStatus.NONE)
    first_comment_id = models.CharField(max_length=255, blank=True)
    first_comment_error = models.TextField(blank=True)
    first_comment_attempts = models.PositiveIntegerField(default=0)
    first_comment_next_at = models.DateTimeField(null=True, blank=True)

    # Publishing machinery (not part of the API): when the post is next due (scheduled_time, or
    # later after a retry backoff), when it was last handed to a worker, when a worker claimed it,
    # and the adapter's checkpoint (e.g. an Instagram container id) kept across attempts.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The fenced claim: a worker's claim carries a token, which it renews (heartbeat_at) every
    # PUBLISH_HEARTBEAT_SECONDS while it works and checks right before the final platform call;
    # recovery takes over a claim whose heartbeat is older than PUBLISH_HEARTBEAT_TIMEOUT_SECONDS
    # by replacing the token, which fences the old worker out (see publishing.py).
    claim_token = models.UUIDField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    publish_state = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["scheduled_time", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="post_due_idx"),
            models.Index(fields=["first_comment_status", "first_comment_next_at"], name="post_first_comment_due_idx"),
            # Lists: every list is scoped by organization_id and ends its order with id, so each
            # documented filter and ordering is one index range scan (see bench/README.md).
            models.Index(fields=["organization", "scheduled_time", "id"], name="post_org_time_idx"),
            models.Index(fields=["organization", "status", "scheduled_time", "id"], name="post_org_status_time_idx"),
            models.Index(fields=["organization", "platform", "scheduled_time", "id"], name="post_org_platform_time_idx"),
            models.Index(fields=["organization", "created_at", "id"], name="post_org_created_idx"),
            models.Index(fields=["social_account", "scheduled_time", "id"], name="post_account_time_idx"),
            # An account's posting window (limits.py): its posts published, or being published, since a
            # time. Partial, so the count reads only the window's rows, not the account's history.
            models.Index(fields=["social_account", "posted_at"], condition=models.Q(status="posted"), name="post_account_posted_idx"),
            models.Index(
                fields=["social_account", "claimed_at"], condition=models.Q(status="publishing"), name="post_account_claimed_idx"
            ),
            # Caption search (`?search=`): a trigram index on UPPER(caption), PostgreSQL only,
            # created by migration 0005_list_indexes (SQLite has no such index type).
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "occurrence_time"], condition=models.Q(series__isnull=False), name="unique_series_occurrence"
            ),
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} ({self.platform}, {self.status})"


class PublishAttempt(models.Model):
    """One try at publishing a post, written before the platform is called."""

    class Outcome(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUCCESS = "success", "Success"
        TRANSIENT = "transient", "Transient error"
        RATE_LIMITED = "rate_limited", "Rate limited"
        AUTH = "auth", "Authentication error"
        PERMANENT = "permanent", "Permanent error"
        UNCONFIRMED = "unconfirmed", "Outcome unknown"

    post = models.ForeignKey(ScheduledPost, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.IN_PROGRESS)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"Attempt {self.pk} of post {self.post_id}: {self.outcome}"


class SchedulerHeartbeat(models.Model):
    """When beat's publishing task last drained the due posts (one row)."""

    name = models.CharField(max_length=64, unique=True)
    last_drained_at = models.DateTimeField()
    last_processed = models.PositiveIntegerField(default=0)


class PostingSchedule(models.Model):
    """An account's weekly posting slots, in its timezone: `[{"weekday": 0-6, "time": "HH:MM"}]`.

    Queued posts take the next free slot; the row is locked while one is taken (see slots.py).
    """

    social_account = models.OneToOneField("social.SocialAccount", on_delete=models.CASCADE, related_name="posting_schedule")
    timezone = models.CharField(max_length=64)
    slots = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Slots of account {self.social_account_id}"


class PostSeries(models.Model):
    """A recurring post: an RFC 5545 RRULE from `dtstart` in `timezone` (see series.py).

    Its occurrences become ordinary posts (`ScheduledPost.series`) over a rolling horizon.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CANCELLED = "cancelled", "Cancelled"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="post_series")
    social_account = models.ForeignKey("social.SocialAccount", on_delete=models.PROTECT, related_name="post_series")
    caption = models.TextField(blank=True)
    hashtags = models.JSONField(default=list, blank=True)
    asset = models.ForeignKey("assets.MediaAsset", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    first_comment = models.TextField(blank=True)
    rrule = models.CharField(max_length=500)
    dtstart = models.DateTimeField()
    timezone = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    materialised_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Series {self.pk} ({self.rrule})"


class PostMetrics(models.Model):
    """One reading of a published post's engagement; the newest successful one is what the API shows.

    `checkpoint` names the scheduled reading it was ("1h", "6h", ... after posting; empty for a
    reading someone asked for). A failed reading is kept with its error, so a checkpoint is not
    retried in a loop; it never changes the post.
    """

    post = models.ForeignKey(ScheduledPost, on_delete=models.CASCADE, related_name="metrics_readings")
    checkpoint = models.CharField(max_length=16, blank=True)
    likes = models.BigIntegerField(null=True, blank=True)
    comments = models.BigIntegerField(null=True, blank=True)
    shares = models.BigIntegerField(null=True, blank=True)
    views = models.BigIntegerField(null=True, blank=True)
    reach = models.BigIntegerField(null=True, blank=True)
    impressions = models.BigIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    # Why some figures are empty although the reading worked (e.g. a scope the token lacks).
    unavailable = models.TextField(blank=True)
    fetched_at = models.DateTimeField()

    class Meta:
        db_table = "social_postmetrics"  # created by the social app before the move; the table kept its name
        ordering = ["-fetched_at", "-id"]
        indexes = [models.Index(fields=["post", "-fetched_at"], name="post_metrics_latest_idx")]

    def __str__(self) -> str:
        return f"Metrics of post {self.post_id} at {self.fetched_at:%Y-%m-%d %H:%M}"


class MessageDelivery(models.Model):
    """One message of a broadcast post (WhatsApp) to one recipient, and what became of it.

    Written when the post is published (the messages the platform accepted) and moved on by the
    platform's status webhooks: accepted → sent → delivered → read, or failed with the platform's
    error code. A status may arrive before the post is recorded as published (a broadcast still
    waiting for rate-limited recipients): the row then waits, without a post, until it is linked.
    """

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Accepted by the platform"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        READ = "read", "Read"
        FAILED = "failed", "Failed"

    post = models.ForeignKey(ScheduledPost, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries")
    platform = models.CharField(max_length=32)
    sender_id = models.CharField(max_length=64, blank=True)  # the platform's id of the sending number
    recipient = models.CharField(max_length=32, blank=True)
    message_id = models.CharField(max_length=128, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACCEPTED)
    error_code = models.CharField(max_length=16, blank=True)
    error_message = models.TextField(blank=True)
    status_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["post", "status"], name="delivery_post_status_idx")]

    def __str__(self) -> str:
        return f"{self.platform} message {self.message_id} ({self.status})"
