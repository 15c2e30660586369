"""Every Celery task's name, defined once: the tasks pin them (`shared_task(name=...)`), the beat
schedule in settings and the code that enqueues by name import them. Names are stable strings:
messages already in the broker and rows in django-celery-beat's tables refer to them.

Pure constants (no imports), so settings can import this module.
"""

DISPATCH_DUE_POSTS = "scheduling.dispatch_due_posts"
PUBLISH_POST = "scheduling.publish_post"
PUBLISH_POSTS = "scheduling.publish_posts"
PURGE_IDEMPOTENCY_KEYS = "core.purge_idempotency_keys"
RUN_VIDEO_FIT = "social.run_video_fit"
REFRESH_EXPIRING_TOKENS = "social.refresh_expiring_tokens"
# The metrics tasks kept their `social.` names when metrics moved to the scheduling app.
FETCH_DUE_METRICS = "social.fetch_due_metrics"
FETCH_POST_METRICS = "social.fetch_post_metrics"
DELIVER_WEBHOOKS = "accounts.deliver_webhooks"
MATERIALISE_SERIES = "scheduling.materialise_series"
PUBLISH_FIRST_COMMENTS = "scheduling.publish_first_comments"
