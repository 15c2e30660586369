from __future__ import annotations

from django.conf import settings
from django.db import models

LANGUAGES = [("en", "English"), ("hi", "हिन्दी"), ("ta", "தமிழ்")]


class Preference(models.Model):
    """A person's dashboard settings: the UI language (English, Hindi, Tamil)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboard_preference")
    language = models.CharField(max_length=8, choices=LANGUAGES, default="en")

    def __str__(self) -> str:
        return f"{self.user} ({self.language})"
