from django.apps import AppConfig


class AiServicesConfig(AppConfig):
    name = "backend.ai_services"
    label = "ai_services"
    verbose_name = "AI content"
