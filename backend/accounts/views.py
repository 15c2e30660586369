from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from backend.core.idempotency import idempotent
from backend.core.schema import ErrorOutput
from .selectors import organizations_of

from . import services
from .models import Membership, Organization
from .serializers import (
    AcceptedInviteOutput,
    InviteInput,
    InviteListOutput,
    InviteOutput,
    LogoutInput,
    MemberOutput,
    MemberRoleInput,
    MeOutput,
    OrganizationSerializer,
    SignupInput,
    SignupOutput,
    TokenPairOutput,
)
from .throttles import LoginAccountThrottle


class SignupView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=SignupInput, responses={201: SignupOutput}, tags=["auth"],
                   summary="Sign up: a user and the organization they own")
    @idempotent
    def post(self, request):
        body = SignupInput(data=request.data)
        body.is_valid(raise_exception=True)
        user, organization = services.user_signup(**body.validated_data)
        return Response(SignupOutput({"user": user, "organization": organization}).data, status=status.HTTP_201_CREATED)


@extend_schema_view(post=extend_schema(summary="Log in: an access and a refresh token", responses={
    200: TokenPairOutput, 401: OpenApiResponse(ErrorOutput, description="Wrong email or password (`no_active_account`).")}))
class TokenView(TokenObtainPairView):
    throttle_classes = [ScopedRateThrottle, LoginAccountThrottle]
    throttle_scope = "auth"


@extend_schema_view(post=extend_schema(summary="Exchange a refresh token for new tokens", responses={
    200: TokenPairOutput, 401: OpenApiResponse(ErrorOutput, description="The refresh token is invalid, expired or revoked (`token_not_valid`).")}))
class TokenRefresh(TokenRefreshView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=LogoutInput, responses={205: OpenApiResponse(description="The refresh token is revoked.")}, tags=["auth"],
                   summary="Log out: revoke a refresh token")
    def post(self, request):
        body = LogoutInput(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            token = RefreshToken(body.validated_data["refresh"])
            if str(token.get("user_id")) != str(request.user.pk):
                raise TokenError("not yours")
            token.blacklist()
        except TokenError:
            return Response(
                {"refresh": ["This refresh token is invalid, expired or already revoked."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(status=status.HTTP_205_RESET_CONTENT)


class MeView(APIView):
    @extend_schema(responses=MeOutput, tags=["auth"], summary="You and your organizations")
    def get(self, request):
        user = type(request.user).objects.prefetch_related("memberships__organization").get(pk=request.user.pk)
        return Response(MeOutput(user).data)


class OrganizationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    queryset = Organization.objects.none()  # for the schema; requests use get_queryset
    serializer_class = OrganizationSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends: list = []
    # Role rules live in the services (an admin cannot touch an owner...); members read.

    def get_queryset(self):
        return organizations_of(self.request.user).order_by("id")

    @idempotent
    def create(self, request, *args, **kwargs):
        body = OrganizationSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        organization = services.organization_create(user=request.user, **body.validated_data)
        return Response(OrganizationSerializer(organization, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        organization = self.get_object()
        body = OrganizationSerializer(organization, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        organization = services.organization_update(organization=organization, by=request.user, **body.validated_data)
        return Response(OrganizationSerializer(organization, context=self.get_serializer_context()).data)

    @extend_schema(responses=MemberOutput(many=True), summary="The organization's members")
    @action(detail=True, methods=["get"])
    def members(self, request, pk=None):
        organization = self.get_object()
        members = Membership.objects.filter(organization=organization).select_related("user").order_by("id")
        page = self.paginate_queryset(members)
        return self.get_paginated_response(MemberOutput(page, many=True).data)

    @extend_schema(request=MemberRoleInput, responses={200: MemberOutput}, methods=["PATCH"], summary="Change a member's role")
    @extend_schema(responses={204: None}, methods=["DELETE"], summary="Remove a member")
    # At most 18 digits: a longer id fits no integer column (SQLite raised OverflowError); it is a 404.
    @action(detail=True, methods=["patch", "delete"], url_path=r"members/(?P<user_id>\d{1,18})")
    def member(self, request, pk=None, user_id=None):
        organization = self.get_object()
        if request.method == "DELETE":
            services.membership_remove(organization=organization, by=request.user, user_id=int(user_id))
            return Response(status=status.HTTP_204_NO_CONTENT)
        body = MemberRoleInput(data=request.data)
        body.is_valid(raise_exception=True)
        membership = services.membership_update(organization=organization, by=request.user, user_id=int(user_id), **body.validated_data)
        return Response(MemberOutput(membership).data)

    @extend_schema(responses=InviteListOutput(many=True), summary="Open invitations")
    @action(detail=True, methods=["get"])
    def invites(self, request, pk=None):
        page = self.paginate_queryset(services.invite_list(organization=self.get_object(), by=request.user))
        return self.get_paginated_response(InviteListOutput(page, many=True).data)

    @extend_schema(request=InviteInput, responses={201: InviteOutput}, summary="Invite someone to the organization")
    @invites.mapping.post
    @idempotent(secret_fields=("token",))
    def invite_create(self, request, pk=None):
        organization = self.get_object()
        body = InviteInput(data=request.data)
        body.is_valid(raise_exception=True)
        invite = services.invite_create(organization=organization, by=request.user, **body.validated_data)
        return Response(InviteOutput(invite).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, summary="Revoke an invitation")
    @action(detail=True, methods=["delete"], url_path=r"invites/(?P<invite_id>\d{1,18})")
    def invite(self, request, pk=None, invite_id=None):
        services.invite_revoke(organization=self.get_object(), by=request.user, invite_id=int(invite_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class InviteAcceptView(APIView):
    @extend_schema(request=None, responses={200: AcceptedInviteOutput}, tags=["organizations"], summary="Accept an invitation")
    def post(self, request, token: str):
        membership = services.invite_accept(token=token, user=request.user)
        return Response(AcceptedInviteOutput(membership).data)
