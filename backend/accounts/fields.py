from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Organization
from .selectors import member_scope


@extend_schema_field(OpenApiTypes.INT)
class MemberObjectField(serializers.PrimaryKeyRelatedField):
    """A primary key limited to objects of the caller's organizations (others read as not found)."""

    def __init__(self, *, model, via: str = "organization", **kwargs):
        self.model = model
        self.via = via
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return member_scope(self.model.objects.all(), user=getattr(request, "user", None), via=self.via)


@extend_schema_field(OpenApiTypes.INT)
class MemberOrganizationField(MemberObjectField):
    """An organization id, limited to the caller's organizations (others read as not found)."""

    def __init__(self, **kwargs):
        super().__init__(model=Organization, via="", **kwargs)
