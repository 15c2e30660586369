from django.contrib import admin

from .models import PublishAttempt, ScheduledPost


class PublishAttemptInline(admin.TabularInline):
    model = PublishAttempt
    extra = 0
    readonly_fields = ["started_at", "finished_at", "outcome", "error_code", "error_message"]
    can_delete = False


@admin.register(ScheduledPost)
class ScheduledPostAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "platform", "status", "scheduled_time", "posted_at", "retry_count"]
    list_filter = ["status", "platform"]
    search_fields = ["caption"]
    date_hierarchy = "scheduled_time"
    # Status moves only through the services' transitions, never by hand here.
    readonly_fields = ["status", "retry_count", "external_post_id", "permalink", "posted_at", "publish_state"]
    inlines = [PublishAttemptInline]
