"""Planning endpoints outside the post viewset: slots, next slot."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.selectors import member_scope
from backend.core.idempotency import idempotent
from backend.core.schema import error_responses
from backend.core.exceptions import ValidationFailed
from backend.social.models import SocialAccount

from .models import PostSeries
from .best_times import best_times
from .imports import ImportFileError, import_check, import_posts
from .planning_serializers import (
    BestTimesOutput,
    BestTimesQuery,
    ImportCreatedOutput,
    ImportInput,
    ImportReportOutput,
    NextSlotOutput,
    NextSlotQuery,
    SeriesInput,
    SeriesOutput,
    SeriesUpdateInput,
    SlotsBody,
)
from .series import series_cancel, series_create, series_update

from .slots import slot_next_free, slots_of, slots_set



def _account(request, pk) -> SocialAccount:
    return get_object_or_404(member_scope(SocialAccount.objects.all(), user=request.user), pk=pk)


class AccountSlotsView(APIView):

    @extend_schema(responses={200: SlotsBody, **error_responses(404)}, tags=["planning"], summary="The account's weekly posting slots")
    def get(self, request, pk: int):
        schedule = slots_of(social_account=_account(request, pk))
        return Response(SlotsBody({"timezone": schedule.timezone, "slots": schedule.slots}).data)

    @extend_schema(request=SlotsBody, responses={200: SlotsBody, **error_responses(400, 403, 404)}, tags=["planning"], summary="Replace the account's weekly posting slots (owner/admin)")
    def put(self, request, pk: int):
        account = _account(request, pk)
        body = SlotsBody(data=request.data)
        body.is_valid(raise_exception=True)
        schedule = slots_set(by=request.user, social_account=account, timezone_name=body.validated_data["timezone"], slots=body.validated_data["slots"])
        return Response(SlotsBody({"timezone": schedule.timezone, "slots": schedule.slots}).data)


class NextSlotView(APIView):

    @extend_schema(parameters=[NextSlotQuery], responses={200: NextSlotOutput, **error_responses(400, 409, _409="`no_slots` (the account has none) or `no_free_slot`")}, tags=["planning"],
                   summary="The account's first free posting slot after `after` (default now)")
    def get(self, request):
        query = NextSlotQuery(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        moment = slot_next_free(social_account=query.validated_data["social_account"], after=query.validated_data.get("after"))
        return Response(NextSlotOutput({"scheduled_time": moment}).data)


@extend_schema_view(
    list=extend_schema(summary="Recurring series of the caller's organizations"),
    retrieve=extend_schema(summary="A recurring series", responses={200: SeriesOutput, **error_responses(404)}),
)
@extend_schema(tags=["planning"])
class PostSeriesViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = PostSeries.objects.none()
    serializer_class = SeriesOutput
    http_method_names = ["get", "post", "patch", "delete"]

    def get_queryset(self):
        return member_scope(PostSeries.objects.all(), user=self.request.user).order_by("id")

    @extend_schema(request=SeriesInput, responses={201: SeriesOutput, **error_responses(400, 403)}, summary="Create a recurring series; its occurrences become posts over a rolling horizon")
    @idempotent
    def create(self, request, *args, **kwargs):
        body = SeriesInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        series = series_create(by=request.user, **body.service_kwargs())
        return Response(SeriesOutput(series).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SeriesUpdateInput, responses={200: SeriesOutput, **error_responses(400, 403, 404, 409, _409="The series is cancelled (`invalid_transition`)")},
                   summary="Change the series: future occurrences only")
    def partial_update(self, request, *args, **kwargs):
        series = self.get_object()
        body = SeriesUpdateInput(data=request.data, partial=True, series=series, context={"request": request})
        body.is_valid(raise_exception=True)
        series = series_update(series=series, by=request.user, **body.validated_data)
        return Response(SeriesOutput(series).data)

    @extend_schema(responses={204: None, **error_responses(403, 404)}, summary="Cancel the series: its future occurrences are cancelled, the past is kept")
    def destroy(self, request, *args, **kwargs):
        series_cancel(series=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ImportInput},
        responses={
            200: OpenApiResponse(ImportReportOutput, description="dry run: every problem of every row"),
            201: ImportCreatedOutput,
            400: OpenApiResponse(ImportReportOutput, description="rows with problems (nothing created), or `{\"file\": [...]}` when the file cannot be read"),
            **error_responses(403, _403="Your role allows creating posts in none of your organizations (`permission_denied`)"),
        },
        tags=["planning"], summary="Import posts from a CSV file (all or nothing)",
    )
    @idempotent
    def post(self, request):
        body = ImportInput(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            report = import_check(by=request.user, data=body.validated_data["file"].read())
        except ImportFileError as exc:
            raise ValidationFailed({"file": [str(exc)]}) from None
        summary = ImportReportOutput({"ok": report.ok, "rows": report.rows, "problems": report.problems}).data
        if body.validated_data["dry_run"]:
            return Response(summary)
        if not report.ok:
            return Response(summary, status=status.HTTP_400_BAD_REQUEST)
        posts = import_posts(report=report)
        return Response(ImportCreatedOutput({"created": len(posts), "post_ids": [post.pk for post in posts]}).data, status=status.HTTP_201_CREATED)


class BestTimesView(APIView):

    @extend_schema(parameters=[BestTimesQuery], responses={200: BestTimesOutput, **error_responses(400)}, tags=["planning"],
                   summary="The account's best weekday/hour slots from its own engagement (or the documented fallback)")
    def get(self, request):
        query = BestTimesQuery(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        result = best_times(social_account=query.validated_data["social_account"], limit=query.validated_data["limit"])
        return Response(BestTimesOutput(result).data)
