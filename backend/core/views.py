from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularRedocView
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .health import health_check

HealthOutput = inline_serializer(
    name="Health",
    fields={
        "status": serializers.ChoiceField(choices=["ok", "unavailable"]),
        "detail": serializers.CharField(),
        "checks": serializers.DictField(child=serializers.CharField()),
        "problems": serializers.ListField(child=serializers.CharField()),
    },
)


class HealthView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: HealthOutput, 503: HealthOutput}, tags=["operations"])
    def get(self, request):
        report = health_check()
        body = {
            "status": "ok" if report.ok else "unavailable",
            "detail": " ".join(report.problems) or "Postloom is publishing.",
            "checks": report.checks, "problems": report.problems,
        }
        return Response(body, status=status.HTTP_200_OK if report.ok else status.HTTP_503_SERVICE_UNAVAILABLE)


class OfflineRedocView(SpectacularRedocView):
    """ReDoc from the project's own static files (drf-spectacular-sidecar), without Google Fonts.

    ReDoc's bundle shows its maker's logo from their CDN in the sidebar; the page's
    Content-Security-Policy keeps the browser to this server, so the page needs no network.
    """

    template_name = "core/redoc.html"
    content_security_policy = (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
    )

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = self.content_security_policy
        return response
