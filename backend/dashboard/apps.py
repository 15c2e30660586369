from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The web dashboard at /app/: server-rendered pages over the same services as the API."""

    name = "backend.dashboard"
    label = "dashboard"
    default_auto_field = "django.db.models.BigAutoField"
