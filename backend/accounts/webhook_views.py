"""/api/webhooks/: organizations register endpoints, read their delivery log and redeliver."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.core.idempotency import idempotent
from backend.core.schema import error_responses
from backend.core.exceptions import ValidationFailed

from .models import MANAGER_ROLES, WebhookEndpoint
from .selectors import member_scope, organization_for_write
from .webhook_serializers import DeliveryOutput, WebhookCreatedOutput, WebhookInput, WebhookOutput, WebhookUpdateInput
from .webhooks import UnsafeTarget, webhook_create, webhook_deliveries, webhook_delete, webhook_redeliver, webhook_update


def _url_refused(exc: UnsafeTarget) -> ValidationFailed:
    return ValidationFailed({"url": [f"This URL cannot receive webhooks: {exc}"]})


@extend_schema_view(
    list=extend_schema(summary="Webhook endpoints of the caller's organizations"),
    retrieve=extend_schema(summary="A webhook endpoint (the secret is never shown again)", responses={200: WebhookOutput, **error_responses(404)}),
    destroy=extend_schema(summary="Remove a webhook endpoint (owner/admin)", responses={204: None, **error_responses(403, 404)}),
)
@extend_schema(tags=["webhooks"])
class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet,
):
    queryset = WebhookEndpoint.objects.none()
    serializer_class = WebhookOutput
    http_method_names = ["get", "post", "patch", "delete"]

    def get_queryset(self):
        return member_scope(WebhookEndpoint.objects.all(), user=self.request.user).order_by("id")

    @extend_schema(request=WebhookInput, responses={201: WebhookCreatedOutput, **error_responses(400, 403, _400="Invalid input, or a URL that is not a public http(s) address")}, summary="Register a webhook endpoint (owner/admin); the secret is shown once")
    @idempotent(secret_fields=("secret",))
    def create(self, request, *args, **kwargs):
        body = WebhookInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        organization = organization_for_write(user=request.user, organization=data.get("organization"), roles=MANAGER_ROLES, action="manage webhooks")
        try:
            endpoint = webhook_create(organization=organization, url=data["url"], events=data["events"], description=data["description"], by=request.user)
        except UnsafeTarget as exc:
            raise _url_refused(exc) from None
        return Response(WebhookCreatedOutput(endpoint).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        webhook_delete(endpoint=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=WebhookUpdateInput, responses={200: WebhookOutput, **error_responses(400, 403, 404)}, summary="Change a webhook endpoint (owner/admin)")
    def partial_update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        body = WebhookUpdateInput(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            endpoint = webhook_update(endpoint=endpoint, by=request.user, **body.validated_data)
        except UnsafeTarget as exc:
            raise _url_refused(exc) from None
        return Response(WebhookOutput(endpoint).data)

    @extend_schema(responses={200: DeliveryOutput(many=True), **error_responses(403, 404)}, summary="The endpoint's delivery log, newest first (owner/admin)")
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        page = self.paginate_queryset(webhook_deliveries(endpoint=self.get_object(), by=request.user))
        return self.get_paginated_response(DeliveryOutput(page, many=True).data)

    @extend_schema(request=None, responses={202: DeliveryOutput, **error_responses(403, 404, _404="No such endpoint or delivery in your organizations")},
                   parameters=[OpenApiParameter("delivery_id", int, OpenApiParameter.PATH, description="A delivery of this endpoint")],
                   summary="Send a delivery again now (owner/admin)")
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]+)/redeliver")
    def redeliver(self, request, pk=None, delivery_id=None):
        endpoint = self.get_object()
        delivery = webhook_redeliver(delivery=get_object_or_404(endpoint.deliveries, pk=delivery_id), by=request.user)
        return Response(DeliveryOutput(delivery).data, status=status.HTTP_202_ACCEPTED)
