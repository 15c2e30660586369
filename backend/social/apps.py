from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "backend.social"
    label = "social"
    verbose_name = "Social accounts"

    def ready(self) -> None:
        from .platforms import load_all, versions  # noqa: F401  (versions registers its system check)

        load_all()
