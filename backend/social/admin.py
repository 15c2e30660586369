from django.contrib import admin

from .models import SandboxPublication, SocialAccount


@admin.register(SocialAccount)
class SocialAccountAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "platform", "handle", "status", "expires_at", "created_at"]
    list_filter = ["platform", "status"]
    search_fields = ["handle", "organization__name"]
    # Tokens are secrets: never shown, never edited here.
    exclude = ["access_token", "refresh_token", "user_token"]


@admin.register(SandboxPublication)
class SandboxPublicationAdmin(admin.ModelAdmin):
    list_display = ["external_id", "post", "social_account", "published_at"]
