"""Bodies of /api/webhooks/."""
from __future__ import annotations

from rest_framework import serializers

from .fields import MemberOrganizationField
from .models import WebhookDelivery, WebhookEndpoint
from .webhooks import EVENTS


class WebhookInput(serializers.Serializer):
    organization = MemberOrganizationField(required=False)
    url = serializers.URLField(max_length=2000, help_text="http(s) URL that resolves to a public address")
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENTS), min_length=1, max_length=len(EVENTS))
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class WebhookUpdateInput(serializers.Serializer):
    url = serializers.URLField(max_length=2000, required=False)
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENTS), min_length=1, max_length=len(EVENTS), required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)
    active = serializers.BooleanField(required=False)


class WebhookOutput(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENTS))

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "organization", "url", "events", "description", "active", "created_at", "updated_at"]
        read_only_fields = fields


class WebhookCreatedOutput(WebhookOutput):
    secret = serializers.CharField(help_text="Shown once: verify `Postloom-Signature` with it.")

    class Meta(WebhookOutput.Meta):
        fields = [*WebhookOutput.Meta.fields, "secret"]
        read_only_fields = fields


class DeliveryOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "event", "status", "attempts", "last_status_code", "last_error", "last_response_ms", "next_attempt_at",
            "created_at", "delivered_at",
        ]
        read_only_fields = fields

