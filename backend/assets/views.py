from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from backend.accounts.models import WRITER_ROLES
from backend.accounts.selectors import member_scope, organization_for_write
from backend.core.idempotency import idempotent

from .models import MediaAsset
from .serializers import MediaAssetOutput, MediaAssetUploadInput
from .services import media_asset_upload


class MediaAssetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = MediaAsset.objects.none()  # for the schema; requests use get_queryset
    serializer_class = MediaAssetOutput
    parser_classes = [MultiPartParser]  # an upload; the other actions take no body
    filterset_fields = ["organization", "source", "kind"]
    ordering_fields = ["created_at", "size"]

    def get_queryset(self):
        return member_scope(MediaAsset.objects.all(), user=self.request.user)

    @extend_schema(request={"multipart/form-data": MediaAssetUploadInput}, responses={201: MediaAssetOutput},
                   summary="Upload an image to the media library")
    @idempotent
    def create(self, request, *args, **kwargs):
        body = MediaAssetUploadInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        organization = organization_for_write(
            user=request.user, organization=body.validated_data.get("organization"), roles=WRITER_ROLES, action="upload media"
        )
        asset = media_asset_upload(organization=organization, upload=upload, uploaded_by=request.user)
        return Response(MediaAssetOutput(asset).data, status=status.HTTP_201_CREATED)
