from drf_spectacular.utils import extend_schema, inline_serializer
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
