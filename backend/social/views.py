from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.idempotency import idempotent
from backend.core.permissions import OrganizationRole

from . import services
from .models import SandboxPublication, SocialAccount
from .platforms.registry import all_services
from .serializers import PlatformOutput, SandboxPublicationOutput, SocialAccountInput, SocialAccountOutput


class PlatformListView(APIView):
    @extend_schema(responses=PlatformOutput(many=True), tags=["social"])
    def get(self, request):
        rows = [{"platform": s.platform, "name": s.name, **s.requirements.as_dict()} for s in all_services()]
        return Response(PlatformOutput(rows, many=True).data)


class SocialAccountViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    queryset = SocialAccount.objects.none()  # for the schema; requests use get_queryset
    serializer_class = SocialAccountOutput
    permission_classes = [OrganizationRole]
    action_roles = {"destroy": ("owner", "admin")}
    filterset_fields = ["organization", "platform", "status"]
    search_fields = ["handle"]
    ordering_fields = ["created_at", "platform", "handle"]

    def get_queryset(self):
        return SocialAccount.objects.filter(organization__memberships__user=self.request.user)

    @extend_schema(request=SocialAccountInput, responses={201: SocialAccountOutput})
    @idempotent
    def create(self, request, *args, **kwargs):
        body = SocialAccountInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        account = services.social_account_connect(by=request.user, **body.validated_data)
        return Response(SocialAccountOutput(account).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.social_account_disconnect(account=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SandboxPublicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = SandboxPublication.objects.none()  # for the schema; requests use get_queryset
    serializer_class = SandboxPublicationOutput
    filterset_fields = ["social_account", "post"]
    ordering_fields = ["published_at"]

    def get_queryset(self):
        return SandboxPublication.objects.filter(social_account__organization__memberships__user=self.request.user)
