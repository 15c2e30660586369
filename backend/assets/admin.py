from django.contrib import admin

from .models import MediaAsset


@admin.register(MediaAsset)
class MediaAssetAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "kind", "original_name", "format", "width", "height", "size", "created_at"]
    list_filter = ["kind", "format", "source"]
