from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from backend.accounts.webhook_views import WebhookEndpointViewSet
from backend.accounts.views import InviteAcceptView, LogoutView, MeView, OrganizationViewSet, SignupView, TokenRefresh, TokenView
from backend.ai_services.views import CaptionView, GenerationJobViewSet, PosterView, UsageView
from backend.assets.views import MediaAssetViewSet
from backend.core.docs import OfflineRedocView
from backend.scheduling.health import HealthView
from backend.scheduling.delivery_views import WhatsAppWebhookView
from backend.scheduling.planning_views import AccountSlotsView, BestTimesView, ImportView, NextSlotView, PostSeriesViewSet
from backend.scheduling.views import ScheduledPostViewSet, SocialAccountViewSet
from backend.social.views import (
    OAuthCallbackView,
    OAuthStartView,
    PlatformListView,
    PreflightView,
    SandboxPublicationViewSet,
    VideoFitViewSet,
)

router = DefaultRouter()
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("social/accounts", SocialAccountViewSet, basename="social-account")
router.register("social/sandbox/publications", SandboxPublicationViewSet, basename="sandbox-publication")
router.register("social/video_fits", VideoFitViewSet, basename="video-fit")
router.register("schedule", ScheduledPostViewSet, basename="schedule")
router.register("media", MediaAssetViewSet, basename="media")
router.register("series", PostSeriesViewSet, basename="series")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
router.register("textile/jobs", GenerationJobViewSet, basename="generation-job")

api = [
    path("auth/signup/", SignupView.as_view(), name="signup"),
    path("auth/token/", TokenView.as_view(), name="token"),
    path("auth/token/refresh/", TokenRefresh.as_view(), name="token-refresh"),
    path("auth/logout/", LogoutView.as_view(), name="logout"),
    path("auth/me/", MeView.as_view(), name="me"),
    path("invites/<str:token>/accept/", InviteAcceptView.as_view(), name="invite-accept"),
    path("social/platforms/", PlatformListView.as_view(), name="platforms"),
    path("social/preflight/", PreflightView.as_view(), name="preflight"),
    path("social/webhooks/whatsapp/", WhatsAppWebhookView.as_view(), name="whatsapp-webhook"),
    path("textile/caption/", CaptionView.as_view(), name="textile-caption"),
    path("textile/poster/", PosterView.as_view(), name="textile-poster"),
    path("usage/", UsageView.as_view(), name="usage"),
    path("social/oauth/<str:platform>/start/", OAuthStartView.as_view(), name="oauth-start"),
    path("social/oauth/<str:platform>/callback/", OAuthCallbackView.as_view(), name="oauth-callback"),
    path("health/", HealthView.as_view(), name="health"),
    path("social/accounts/<int:pk>/slots/", AccountSlotsView.as_view(), name="account-slots"),
    path("schedule/next_slot/", NextSlotView.as_view(), name="next-slot"),
    path("schedule/import/", ImportView.as_view(), name="schedule-import"),
    path("schedule/best_times/", BestTimesView.as_view(), name="best-times"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc/", OfflineRedocView.as_view(url_name="schema"), name="redoc"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api)),
    path("app/", include("backend.dashboard.urls")),
]

if settings.SERVE_MEDIA:
    # Platforms such as Instagram fetch media from a public URL; behind a proxy, serve MEDIA_ROOT there.
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]

# Anything that escapes every other handler answers JSON, never Django's HTML page (outages: 503/507).
handler500 = "backend.core.outages.server_error"
handler404 = "backend.core.outages.not_found"
handler400 = "backend.core.errors.bad_request"
handler403 = "backend.core.errors.permission_denied"
