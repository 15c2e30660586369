from __future__ import annotations

import django_filters
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.accounts.filters import MemberFilterSet
from backend.accounts.models import MANAGER_ROLES
from backend.core.datetimes import BoundedIsoDateTimeFilter
from backend.core.idempotency import idempotent
from backend.core.schema import error_responses
from backend.accounts.permissions import org_roles
from backend.core.exceptions import PermissionDenied
from backend.social import views as social_views
from backend.social.platforms.registry import platform_choices

from .metrics import post_metrics_latest, post_metrics_refresh

from . import services
from .models import ScheduledPost
from .publishing import due_posts, posts_publish_due_now
from .selectors import post_analytics, posts_visible_to
from .serializers import (
    AnalyticsInput,
    AnalyticsOutput,
    AttemptOutput,
    BulkPostInput,
    BulkPostOutput,
    CancelInput,
    DrainOutput,
    PostInput,
    PostOutput,
    PostUpdateInput,
    PostMetricsOutput,
    RetryInput,
)


class PostFilter(MemberFilterSet):
    # distinct=False: a post has one status, so the OR over statuses cannot repeat a row (the
    # default DISTINCT over every column made PostgreSQL sort the whole organization).
    status = django_filters.MultipleChoiceFilter(choices=ScheduledPost.Status.choices, distinct=False)
    platform = django_filters.ChoiceFilter(choices=platform_choices)
    scheduled_after = BoundedIsoDateTimeFilter(field_name="scheduled_time", lookup_expr="gte")
    scheduled_before = BoundedIsoDateTimeFilter(field_name="scheduled_time", lookup_expr="lte")

    class Meta:
        model = ScheduledPost
        fields = ["status", "platform", "social_account", "organization", "group_id", "series"]


@extend_schema_view(
    list=extend_schema(summary="List scheduled posts"),
    retrieve=extend_schema(summary="A scheduled post"),
    destroy=extend_schema(summary="Cancel a post (it is kept as cancelled)", responses={204: None}),
)
class ScheduledPostViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    mixins.DestroyModelMixin, viewsets.GenericViewSet,
):
    queryset = ScheduledPost.objects.none()  # for the schema; requests use get_queryset
    serializer_class = PostOutput
    filterset_class = PostFilter
    search_fields = ["caption"]
    ordering_fields = ["scheduled_time", "created_at", "status"]
    ordering = ["scheduled_time", "id"]

    def get_queryset(self):
        return posts_visible_to(self.request.user).select_related("asset")

    @extend_schema(request=PostInput, responses={201: PostOutput, **error_responses(
        400, 403, 409, _409="`queue: true` and the account has no (free) slot: code `no_slots` or `no_free_slot`",
    )}, summary="Schedule a post (or save a draft)")
    @idempotent
    def create(self, request, *args, **kwargs):
        body = PostInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        create = services.post_create_queued if body.validated_data["queue"] else services.post_create
        post = create(by=request.user, **body.service_kwargs())
        return Response(PostOutput(post).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PostUpdateInput, responses={200: PostOutput}, summary="Replace a post's content and time")
    def update(self, request, *args, **kwargs):
        post = self.get_object()
        body = PostUpdateInput(data=request.data, partial=kwargs.get("partial", False), post=post, context={"request": request})
        body.is_valid(raise_exception=True)
        post = services.post_update(post=post, by=request.user, **body.service_kwargs())
        return Response(PostOutput(post).data)

    @extend_schema(request=PostUpdateInput, responses={200: PostOutput}, summary="Change some of a post's fields")
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        services.post_cancel(post=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=BulkPostInput, responses={201: BulkPostOutput, **error_responses(
        400, 403, _400="Invalid input, or an account's variant fails its platform's preflight (nothing is created)",
    )}, summary="Schedule one post on several accounts (all or nothing)")
    @action(detail=False, methods=["post"])
    @idempotent
    def bulk(self, request):
        body = BulkPostInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        group_id, posts = services.post_bulk_create(by=request.user, **body.service_kwargs())
        return Response(BulkPostOutput({"group_id": group_id, "posts": posts}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CancelInput, responses={200: PostOutput}, summary="Cancel a post (kept as cancelled)")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        body = CancelInput(data=request.data)
        body.is_valid(raise_exception=True)
        post = services.post_cancel(post=self.get_object(), by=request.user, **body.validated_data)
        return Response(PostOutput(post).data)

    @extend_schema(request=RetryInput, responses={200: PostOutput}, summary="Schedule a failed post again")
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        body = RetryInput(data=request.data)
        body.is_valid(raise_exception=True)
        post = services.post_retry(post=self.get_object(), by=request.user, scheduled_time=body.validated_data.get("scheduled_time"))
        return Response(PostOutput(post).data)

    @extend_schema(request=None, responses={200: PostOutput}, summary="Approve a pending post (owners and admins)")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        post = services.post_approve(post=self.get_object(), by=request.user)
        return Response(PostOutput(post).data)

    @extend_schema(request=None, responses={200: PostOutput}, summary="Submit a draft (for approval when an editor submits)")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        post = services.post_submit(post=self.get_object(), by=request.user)
        return Response(PostOutput(post).data)

    @extend_schema(request=None, responses={202: PostOutput},
                   summary="Publish a post now (202: a worker takes it; follow Location)")
    @action(detail=True, methods=["post"])
    def publish_now(self, request, pk=None):
        post = services.post_publish_now(post=self.get_object(), by=request.user)
        where = request.build_absolute_uri(reverse("schedule-detail", kwargs={"pk": post.pk}))
        return Response(PostOutput(post).data, status=status.HTTP_202_ACCEPTED, headers={"Location": where})

    @extend_schema(responses={200: AttemptOutput(many=True)}, filters=False, summary="A post's publish attempts")
    @action(detail=True, methods=["get"])
    def attempts(self, request, pk=None):
        post = self.get_object()
        page = self.paginate_queryset(post.attempts.order_by("started_at", "id"))
        return self.get_paginated_response(AttemptOutput(page, many=True).data)

    @extend_schema(responses={200: PostMetricsOutput}, summary="Latest engagement (nulls before the first reading)")
    @action(detail=True, methods=["get"])
    def metrics(self, request, pk=None):
        return Response(PostMetricsOutput(post_metrics_latest(post=self.get_object())).data)

    @extend_schema(request=None, responses={202: PostMetricsOutput}, summary="Fetch fresh metrics from the platform (posted posts; 409 otherwise)")
    @action(detail=True, methods=["post"])
    def refresh_metrics(self, request, pk=None):
        post = post_metrics_refresh(post=self.get_object(), by=request.user)
        where = request.build_absolute_uri(reverse("schedule-metrics", kwargs={"pk": post.pk}))
        return Response(PostMetricsOutput(post_metrics_latest(post=post)).data, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": where})

    @extend_schema(responses={200: PostOutput(many=True)}, summary="Scheduled posts that are due now")
    @action(detail=False, methods=["get"])
    def ready_to_post(self, request):
        posts = self.filter_queryset(self.get_queryset()).filter(pk__in=due_posts().values("pk"))
        page = self.paginate_queryset(posts)
        return self.get_paginated_response(PostOutput(page, many=True).data)

    @extend_schema(request=None, responses={200: DrainOutput},
                   summary="Publish your organizations' due posts now (owners and admins)")
    @action(detail=False, methods=["post"])
    def process_ready_posts(self, request):
        managed = [org_id for org_id, role in org_roles(request.user).items() if role in MANAGER_ROLES]
        if not managed:
            raise PermissionDenied("Only owners and admins can publish posts.")
        result = posts_publish_due_now(organization_ids=managed)
        return Response(DrainOutput(result).data)

    @extend_schema(parameters=[AnalyticsInput], responses={200: AnalyticsOutput}, filters=False,
                   summary="Publishing figures over a date range")
    @action(detail=False, methods=["get"])
    def analytics(self, request):
        query = AnalyticsInput(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        return Response(AnalyticsOutput(post_analytics(user=request.user, **query.validated_data)).data)


class SocialAccountViewSet(social_views.SocialAccountViewSet):
    """The social app's accounts endpoint, routed here because disconnecting an account also
    cancels its unpublished posts (a rule of posts, which the social app does not know)."""

    def disconnect(self, *, account, by) -> None:
        services.social_account_disconnect(account=account, by=by)
