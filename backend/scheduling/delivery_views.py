"""The inbound WhatsApp webhook: Meta's verify handshake and its signed status notifications.

No JWT: Meta calls it. GET answers the subscription handshake (`hub.mode=subscribe`, the
configured `hub.verify_token`, echoing `hub.challenge`); POST is accepted only with a valid
`X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the app secret), anything else is a 403.
"""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from django.http import HttpResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .deliveries import whatsapp_webhook_receive, whatsapp_webhook_verify

WebhookErrorOutput = inline_serializer(
    "WebhookErrorOutput", {"detail": serializers.CharField(), "code": serializers.CharField()}
)


class WhatsAppWebhookView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes: list = []  # the signature covers the raw body: it is read as bytes

    @extend_schema(
        tags=["social"],
        summary="WhatsApp webhook verification handshake (Meta)",
        auth=[],
        parameters=[
            OpenApiParameter("hub.mode", str, required=True),
            OpenApiParameter("hub.verify_token", str, required=True),
            OpenApiParameter("hub.challenge", str, required=True),
        ],
        responses={
            (200, "text/plain"): OpenApiTypes.STR,
            400: OpenApiResponse(description="`hub.challenge` is not Meta's kind of value: `{field: [message]}`."),
            403: OpenApiResponse(WebhookErrorOutput, description="Not our verify token (`webhook_verification_failed`)."),
        },
    )
    def get(self, request):
        challenge = whatsapp_webhook_verify(
            mode=request.query_params.get("hub.mode", ""),
            token=request.query_params.get("hub.verify_token", ""),
            challenge=request.query_params.get("hub.challenge", ""),
        )
        return HttpResponse(challenge, content_type="text/plain; charset=utf-8")

    @extend_schema(
        tags=["social"],
        summary="WhatsApp status notifications (Meta, signed with X-Hub-Signature-256)",
        auth=[],
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter("X-Hub-Signature-256", str, OpenApiParameter.HEADER, required=True)],
        responses={
            200: inline_serializer("WhatsAppWebhookOutput", {"updated": serializers.IntegerField()}),
            400: OpenApiResponse(description="A signed body that is not JSON: `{field: [message]}`."),
            403: OpenApiResponse(WebhookErrorOutput, description="Missing or invalid X-Hub-Signature-256 (`webhook_signature_invalid`)."),
        },
    )
    def post(self, request):
        updated = whatsapp_webhook_receive(body=request.body, signature=request.headers.get("X-Hub-Signature-256"))
        return Response({"updated": updated})
