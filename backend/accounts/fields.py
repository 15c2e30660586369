from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Organization


@extend_schema_field(OpenApiTypes.INT)
class MemberOrganizationField(serializers.PrimaryKeyRelatedField):
    """An organization id, limited to the caller's organizations (others read as not found)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return Organization.objects.none()
        return Organization.objects.filter(memberships__user=request.user)
