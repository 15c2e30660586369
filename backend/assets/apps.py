from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "backend.assets"
    label = "assets"
    verbose_name = "Media library"
