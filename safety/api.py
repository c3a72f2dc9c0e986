"""REST API for blocks (``/api/blocks/``). Thin: serializers in, services and selectors out."""

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import display_name_of
from moderation import services as moderation_services
from safety import moderation_log, policy, selectors, services
from wya.api import StrictSerializer, no_body, page_of, paginated


class BlockInput(StrictSerializer):
    user_id = serializers.CharField(max_length=255)


class BlockOutput(serializers.Serializer):
    user_id = serializers.CharField(source="blocked_id")
    display_name = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_display_name(self, block) -> str:
        return display_name_of(block.blocked, "")


class BlocksApi(APIView):
    write_scope = "blocks"  # wya.ratelimit.WriteRateThrottle: RATE_LIMITS["blocks"]

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
    write_scope = "blocks"  # wya.ratelimit.WriteRateThrottle: RATE_LIMITS["blocks"]

    @extend_schema(request=None, responses={204: None}, tags=["safety"])
    def delete(self, request, user_id: str):
        no_body(request)
        services.block_delete(blocker=request.user, blocked_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AppealOutput(serializers.Serializer):
    id = serializers.IntegerField()
    action_id = serializers.IntegerField()
    text = serializers.CharField()
    status = serializers.CharField()
    outcome_reason = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class AppealInput(StrictSerializer):
    text = serializers.CharField(max_length=settings.APPEAL_TEXT_MAX)


class NoticeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    action_type = serializers.CharField()
    # A platform action: the moderator's reason; a room action: fixed words naming the room.
    reason = serializers.SerializerMethodField()
    # DRF's metaclass takes declared fields out of the class, so this never shadows
    # ``Field.source`` at run time; the stubs cannot know that.
    source = serializers.SerializerMethodField()  # type: ignore[assignment]
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    active = serializers.SerializerMethodField()
    # The person's appeal of this action (issue 20), or null; ``appealable``: may appeal it now.
    appeal = serializers.SerializerMethodField()
    appealable = serializers.SerializerMethodField()

    def get_reason(self, action) -> str:
        return moderation_log.notice_reason(action)

    def get_source(self, action) -> str:
        """``platform`` (WYA!?'s moderators) or ``room`` (a room's owner or moderator)."""
        return moderation_log.notice_source(action)

    def get_active(self, action) -> bool:
        return policy.action_in_force(action)

    @extend_schema_field(AppealOutput(allow_null=True))
    def get_appeal(self, action) -> dict | None:
        appeal = selectors.appeal_of(action)
        return None if appeal is None else AppealOutput(appeal).data

    def get_appealable(self, action) -> bool:
        return selectors.appeal_of(action) is None and bool(
            policy.may_appeal(self.context["user"], action)
        )


class NoticesApi(APIView):
    """GET /api/me/notices/ — every moderation action taken against me (no shadow actions),
    each marked with its ``source``; a room ban while I was not in the room is not listed."""

    @extend_schema(responses={200: page_of(NoticeOutput, "NoticePage")}, tags=["safety"])
    def get(self, request):
        return paginated(
            request,
            self,
            selectors.notices_of(user=request.user),
            NoticeOutput,
            context=lambda page: {"user": request.user},
        )


class NoticeAppealApi(APIView):
    """POST /api/me/notices/{action_id}/appeal/ — appeal one of my notices, once (issue 20)."""

    @extend_schema(request=AppealInput, responses={201: AppealOutput}, tags=["safety"])
    def post(self, request, action_id: str):
        data = AppealInput(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = moderation_services.appeal_create(
            appellant=request.user, action_id=action_id, text=data.validated_data["text"]
        )
        return Response(AppealOutput(appeal).data, status=status.HTTP_201_CREATED)


class ReportInput(StrictSerializer):
    report_type = serializers.CharField(max_length=50)
    reported_user_id = serializers.CharField(max_length=255, required=False, allow_null=True)
    reported_room_id = serializers.IntegerField(required=False, allow_null=True)
    reported_message_id = serializers.IntegerField(required=False, allow_null=True)
    direct_message_id = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(
        max_length=moderation_services.DESCRIPTION_MAX,
        required=False,
        allow_blank=True,
        allow_null=True,
    )
    block = serializers.BooleanField(required=False, default=False)


class ReportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    report_type = serializers.CharField()
    reported_user_id = serializers.CharField(allow_null=True)
    reported_room_id = serializers.IntegerField(allow_null=True)
    reported_message_id = serializers.IntegerField(allow_null=True)
    description = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    outcome = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)

    def get_outcome(self, report) -> str:
        return moderation_services.report_outcome(report)


class ReportsApi(APIView):
    """GET /api/reports/ — my reports, newest first; POST files one (or returns the open one)."""

    @extend_schema(responses={200: page_of(ReportOutput, "ReportPage")}, tags=["safety"])
    def get(self, request):
        return paginated(request, self, selectors.reports_of(user=request.user), ReportOutput)

    @extend_schema(
        request=ReportInput, responses={200: ReportOutput, 201: ReportOutput}, tags=["safety"]
    )
    def post(self, request):
        data = ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        report, created = moderation_services.report_create(
            reporter=request.user, **data.validated_data
        )
        return Response(
            ReportOutput(report).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
