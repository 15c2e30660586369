from __future__ import annotations

from drf_spectacular.utils import extend_schema
from django.shortcuts import get_object_or_404
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import WRITER_ROLES, Organization
from backend.accounts.selectors import member_scope, organization_for_write
from backend.assets.models import MediaAsset
from backend.core.idempotency import idempotent
from backend.accounts.permissions import org_roles

from . import services
from .models import SandboxPublication, SocialAccount, VideoFitJob
from .oauth import oauth_complete, oauth_start
from .platforms.base import SocialMediaService, UnknownPlatform
from .platforms.registry import all_services, get_service
from .checks import asset_media, preflight_run
from .serializers import (
    OAuthCallbackInput,
    OAuthStartInput,
    OAuthStartOutput,
    PlatformOutput,
    PreflightInput,
    PreflightOutput,
    SandboxPublicationOutput,
    SocialAccountInput,
    SocialAccountOutput,
    VideoFitInput,
    VideoFitOutput,
)
from .videofits import video_fit_request


class PlatformListView(APIView):
    @extend_schema(responses=PlatformOutput(many=True), tags=["social"], summary="The platforms and their rules")
    def get(self, request):
        rows = [{"platform": s.platform, "name": s.name, **s.requirements.as_dict()} for s in all_services()]
        return Response(PlatformOutput(rows, many=True).data)


class SocialAccountViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    queryset = SocialAccount.objects.none()  # for the schema; requests use get_queryset
    serializer_class = SocialAccountOutput
    filterset_fields = ["organization", "platform", "status"]
    search_fields = ["handle"]
    ordering_fields = ["created_at", "platform", "handle"]

    def get_queryset(self):
        return member_scope(SocialAccount.objects.all(), user=self.request.user)

    @extend_schema(request=SocialAccountInput, responses={201: SocialAccountOutput},
                   summary="Connect an account manually (sandbox, WhatsApp, or with tokens you have)")
    @idempotent
    def create(self, request, *args, **kwargs):
        body = SocialAccountInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        account = services.social_account_connect(by=request.user, **body.validated_data)
        return Response(SocialAccountOutput(account).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Disconnect an account (its unpublished posts are cancelled)", responses={204: None})
    def destroy(self, request, *args, **kwargs):
        self.disconnect(account=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def disconnect(self, *, account: SocialAccount, by) -> None:
        """The social app only forgets the tokens; backend.scheduling.views extends this to cancel
        the account's unpublished posts (the endpoint is routed to that subclass)."""
        services.social_account_disconnect(account=account, by=by)


class SandboxPublicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = SandboxPublication.objects.none()  # for the schema; requests use get_queryset
    serializer_class = SandboxPublicationOutput
    filterset_fields = ["social_account", "post"]
    ordering_fields = ["published_at"]

    def get_queryset(self):
        return member_scope(SandboxPublication.objects.all(), user=self.request.user, via="social_account__organization").prefetch_related("comments")


class VideoFitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Auto-fit a video for a platform in the background: 202 with the job; poll it for progress."""

    queryset = VideoFitJob.objects.none()  # for the schema; requests use get_queryset
    serializer_class = VideoFitOutput
    filterset_fields = ["organization", "platform", "status"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return member_scope(VideoFitJob.objects.select_related("result"), user=self.request.user)

    @extend_schema(request=VideoFitInput, responses={202: VideoFitOutput}, tags=["social"])
    @idempotent
    def create(self, request, *args, **kwargs):
        body = VideoFitInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        asset = body.validated_data.pop("asset_id")
        organization_for_write(user=request.user, organization=asset.organization, roles=WRITER_ROLES, action="fit videos")
        job = video_fit_request(asset=asset, by=request.user, **body.validated_data)
        return Response(VideoFitOutput(job).data, status=status.HTTP_202_ACCEPTED)


class PreflightView(APIView):
    parser_classes = [MultiPartParser]  # an image may be uploaded

    @extend_schema(request={"multipart/form-data": PreflightInput}, responses=PreflightOutput, tags=["social"],
                   summary="Check a post against a platform's rules (and fix its image)")
    def post(self, request):
        body = PreflightInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        organization, media = data.get("organization"), {"image": None}
        if "asset_id" in data:
            asset = get_object_or_404(member_scope(MediaAsset.objects.all(), user=request.user), pk=data["asset_id"])
            organization, media = asset.organization, asset_media(asset)
        elif "asset" in data:
            media = {"image": data["asset"].read()}
            if organization is None and len(org_roles(request.user)) == 1:
                organization = Organization.objects.get(pk=next(iter(org_roles(request.user))))
        if organization is not None and org_roles(request.user).get(organization.pk) not in WRITER_ROLES:
            organization = None  # viewers may check, but not add to the library
        result, fixed = preflight_run(
            platform=data["platform"], caption=data["caption"], hashtags=data["hashtags"],
            organization=organization, by=request.user, **media,
        )
        payload = {"ok": result.ok, "problems": result.problems, "fixed_asset": fixed}
        if media.get("video") is not None:
            payload["video_fit"] = result.video_fit
        return Response(PreflightOutput(payload).data)


def _platform_service(platform: str) -> SocialMediaService:
    try:
        return get_service(platform)
    except UnknownPlatform:
        raise NotFound(f"Unknown platform: {platform}.") from None


class OAuthStartView(APIView):
    @extend_schema(request=OAuthStartInput, responses={201: OAuthStartOutput}, tags=["social"], summary="Start connecting an account with OAuth")
    @idempotent
    def post(self, request, platform: str):
        service = _platform_service(platform)
        body = OAuthStartInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        url, state = oauth_start(by=request.user, service=service, **body.validated_data)
        return Response(OAuthStartOutput({"authorization_url": url, "state": state}).data, status=status.HTTP_201_CREATED)


class OAuthCallbackView(APIView):
    @extend_schema(parameters=[OAuthCallbackInput], responses={201: SocialAccountOutput}, tags=["social"], summary="Finish an OAuth connection")
    def get(self, request, platform: str):
        service = _platform_service(platform)
        query = OAuthCallbackInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        account = oauth_complete(by=request.user, service=service, code=query.validated_data["code"], state=query.validated_data["state"])
        return Response(SocialAccountOutput(account).data, status=status.HTTP_201_CREATED)
