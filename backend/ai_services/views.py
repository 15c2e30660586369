"""The AI endpoints: captions, posters, background jobs and the usage of the current period."""
from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from backend.accounts.models import WRITER_ROLES, Organization
from backend.accounts.permissions import org_roles
from backend.accounts.selectors import member_scope, organization_for_write
from backend.core.idempotency import idempotent
from backend.core.schema import ErrorOutput

from .errors import domain_error
from .models import GenerationJob, Operation
from .serializers import (
    CaptionInput,
    CaptionOutput,
    JobOutput,
    PosterInput,
    PosterOutput,
    UsageInput,
    UsageLimitErrorOutput,
    UsageOutput,
)
from .services import caption_create, poster_request
from .usage import usage_quota, usage_summary

AI_ERRORS = {
    422: OpenApiResponse(ErrorOutput, description="The AI provider refused the request (`ai_provider_rejected`), or the "
                         "Idempotency-Key was used with another request."),
    503: OpenApiResponse(ErrorOutput, description="The AI provider is unavailable or out of credit, or the server lacks a font."),
}
# 400, 401, 403 and the 429s (the monthly limit and the burst throttle, told apart by `code`) are
# documented for every AI operation by backend.core.schema from the view's attributes.


class AIEndpoint(APIView):
    """Translates AI pipeline errors into 4xx/503 answers and throttles bursts per user."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "ai_burst"
    usage_limit_error = UsageLimitErrorOutput  # the 429 when the plan's monthly units are used up

    def handle_exception(self, exc):
        return super().handle_exception(domain_error(exc) or exc)


def _with_quota(response: Response, *, organization: Organization, operation: str) -> Response:
    for name, value in usage_quota(organization=organization, operation=operation).headers().items():
        response[name] = value
    return response


class CaptionView(AIEndpoint):
    @extend_schema(
        summary="Captions and hashtags for a product",
        request=CaptionInput,
        responses={200: CaptionOutput, **AI_ERRORS},
    )
    def post(self, request):
        body = CaptionInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        organization = organization_for_write(
            user=request.user, organization=body.validated_data.get("organization"), roles=WRITER_ROLES,
            action="generate captions",
        )
        result = caption_create(organization=organization, user=request.user, **body.service_kwargs())
        return _with_quota(Response(CaptionOutput(result.as_dict()).data), organization=organization, operation=Operation.CAPTION)


class PosterView(AIEndpoint):
    parser_classes = [MultiPartParser]  # a product photo may be uploaded

    @extend_schema(
        summary="An offer poster (saved to the media library) with captions",
        description="201 when the poster is drawn inline; 202 with the job when a worker draws it "
        "(settings.AI_POSTER_BACKGROUND): poll the `Location` header (/api/textile/jobs/{id}/), which answers the same "
        "job. Counts one `poster` unit; its captions are included.",
        request={"multipart/form-data": PosterInput},
        responses={201: PosterOutput, 202: JobOutput, **AI_ERRORS},
    )
    @idempotent
    def post(self, request):
        body = PosterInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        asset = body.validated_data.get("asset_id")
        organization = organization_for_write(
            user=request.user,
            organization=asset.organization if asset is not None else body.validated_data.get("organization"),
            roles=WRITER_ROLES,
            action="generate posters",
        )
        outcome = poster_request(organization=organization, user=request.user, **body.service_kwargs())
        if isinstance(outcome, GenerationJob):
            response = Response(
                JobOutput(outcome).data, status=status.HTTP_202_ACCEPTED,
                headers={"Location": request.build_absolute_uri(reverse("generation-job-detail", kwargs={"pk": outcome.pk}))},
            )
        else:
            response = Response(PosterOutput(outcome.as_dict()).data, status=status.HTTP_201_CREATED)
        return _with_quota(response, organization=organization, operation=Operation.POSTER)


class GenerationJobViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = GenerationJob.objects.none()  # for the schema; requests use get_queryset
    serializer_class = JobOutput

    def get_queryset(self):
        return member_scope(GenerationJob.objects.all(), user=self.request.user)

    @extend_schema(summary="A background generation: poll until succeeded or failed")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class UsageView(APIView):
    @extend_schema(
        summary="AI usage of the current month, per operation",
        parameters=[UsageInput],
        responses={200: UsageOutput},
    )
    def get(self, request):
        query = UsageInput(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        organization = query.validated_data.get("organization")
        if organization is None:
            mine = list(org_roles(request.user))
            if len(mine) != 1:
                raise ValidationError({"organization": ["You belong to several organizations (or none): say which one."]})
            organization = Organization.objects.get(pk=mine[0])
        return Response(UsageOutput(usage_summary(organization=organization)).data)
