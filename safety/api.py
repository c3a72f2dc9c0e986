"""REST API for blocks (``/api/blocks/``). Thin: serializers in, services and selectors out."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from safety import policy, selectors, services
from wya.api import StrictSerializer, no_body, page_of, paginated


class BlockInput(StrictSerializer):
    user_id = serializers.CharField(max_length=255)


class BlockOutput(serializers.Serializer):
    user_id = serializers.CharField(source="blocked_id")
    display_name = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_display_name(self, block) -> str:
        profile = getattr(block.blocked, "profile", None)
        return profile.display_name if profile is not None else ""


class BlocksApi(APIView):
    @extend_schema(responses={200: page_of(BlockOutput, "BlockPage")}, tags=["safety"])
    def get(self, request):
        return paginated(request, self, selectors.blocks_of(user=request.user), BlockOutput)

    @extend_schema(
        request=BlockInput, responses={200: BlockOutput, 201: BlockOutput}, tags=["safety"]
    )
    def post(self, request):
        data = BlockInput(data=request.data)
        data.is_valid(raise_exception=True)
        block, created = services.block_create(
            blocker=request.user, blocked_id=data.validated_data["user_id"]
        )
        block = selectors.blocks_of(user=request.user).get(blocked_id=block.blocked_id)
        return Response(
            BlockOutput(block).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class BlockDetailApi(APIView):
    @extend_schema(request=None, responses={204: None}, tags=["safety"])
    def delete(self, request, user_id: str):
        no_body(request)
        services.block_delete(blocker=request.user, blocked_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NoticeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    action_type = serializers.CharField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    active = serializers.SerializerMethodField()

    def get_active(self, action) -> bool:
        return policy.action_in_force(action)


class NoticesApi(APIView):
    """GET /api/me/notices/ — every moderation action taken against me (no shadow actions)."""

    @extend_schema(responses={200: page_of(NoticeOutput, "NoticePage")}, tags=["safety"])
    def get(self, request):
        return paginated(request, self, selectors.notices_of(user=request.user), NoticeOutput)
