from django.contrib import admin

from .models import GenerationJob, UsageCounter, UsageEvent


@admin.register(UsageCounter)
class UsageCounterAdmin(admin.ModelAdmin):
    list_display = ["organization", "operation", "period_start", "used", "updated_at"]
    list_filter = ["operation", "period_start"]


@admin.register(UsageEvent)
class UsageEventAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "user", "operation", "outcome", "provider", "model", "total_tokens", "created_at"]
    list_filter = ["operation", "outcome", "provider"]


@admin.register(GenerationJob)
class GenerationJobAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "kind", "status", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
