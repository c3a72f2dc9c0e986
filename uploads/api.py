"""POST /api/media/ (thin DRF view) and GET /media/<name> (serving with our own headers)."""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from safety import policy
from uploads import services as media
from wya.api import StrictSerializer, unknown_fields_error
from wya.errors import TooLarge


class MediaInput(StrictSerializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)


class MediaUploadView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=["media"],
        request={"multipart/form-data": MediaInput},
        responses={
            201: inline_serializer(
                "StoredMedia",
                {
                    "media_url": serializers.CharField(),
                    "kind": serializers.ChoiceField(choices=["image", "audio"]),
                    "content_type": serializers.CharField(),
                    "size": serializers.IntegerField(),
                },
            )
        },
    )
    def post(self, request):
        policy.raise_for(policy.may_upload(request.user))
        media.check_declared_length(request.META.get("CONTENT_LENGTH"))
        cap = media.SizeCapUploadHandler(request._request)
        request._request.upload_handlers.insert(0, cap)
        files = request.FILES
        if cap.exceeded:
            raise TooLarge(media._too_large_detail(), code="too_large")
        unknown = [key for key in request.data if key not in MediaInput().fields]
        if unknown:
            raise unknown_fields_error(unknown)
        stored = media.media_upload(user=request.user, uploaded_file=files.get("file"))
        return Response(
            {
                "media_url": stored.media_url,
                "kind": stored.kind,
                "content_type": stored.content_type,
                "size": stored.size,
            },
            status=status.HTTP_201_CREATED,
        )


@require_GET
def serve_media(request, name: str):
    """Uploads are served as inert files: our Content-Type, nosniff, no scripts, inline."""
    found = media.open_media(name)
    if found is None:
        raise Http404("No such media.")
    handle, content_type = found
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cross-Origin-Resource-Policy"] = "same-site"
    response["Cache-Control"] = "private, max-age=86400, immutable"
    return response
