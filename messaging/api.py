"""REST for the live side: WebSocket tickets, direct messages, presence. Thin views."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging import selectors, services
from messaging.tickets import ticket_issue
from wya.cursor import MAX_LIMIT, parse_cursor

MAX_PRESENCE_IDS = 100


class DirectMessageOut(serializers.Serializer):
    id = serializers.IntegerField()
    sender_id = serializers.CharField()
    recipient_id = serializers.CharField()
    message = serializers.CharField()
    media_url = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


class PublicUserOut(serializers.Serializer):
    id = serializers.CharField()
    display_name = serializers.CharField(source="profile.display_name", default="")
    avatar_url = serializers.CharField(source="profile.avatar_url", default=None)
    theme_color = serializers.CharField(source="profile.theme_color", default=None)


class WsTicketOut(serializers.Serializer):
    ticket = serializers.CharField()
    expires_in = serializers.IntegerField()


class ConversationOut(serializers.Serializer):
    user = PublicUserOut()
    last_message = DirectMessageOut()


class PresenceOut(serializers.Serializer):
    user_id = serializers.CharField()
    status = serializers.CharField()
    activity = serializers.CharField(allow_null=True)
    room_id = serializers.IntegerField(allow_null=True)
    last_seen_at = serializers.DateTimeField(allow_null=True)


class ConversationFilter(serializers.Serializer):
    before = serializers.IntegerField(required=False, min_value=1)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT)


class DirectMessageIn(serializers.Serializer):
    message = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.MAX_MESSAGE_LENGTH
    )
    media_url = serializers.CharField(required=False, allow_null=True, default=None)


class WsTicketApi(APIView):
    @extend_schema(request=None, responses={201: WsTicketOut})
    def post(self, request):
        from django.conf import settings

        token_key = request.auth.key if isinstance(request.auth, Token) else None
        session_key = None if token_key else getattr(request.session, "session_key", None)
        ticket = ticket_issue(user_id=request.user.pk, token_key=token_key, session_key=session_key)
        body = {"ticket": ticket, "expires_in": settings.WS_TICKET_TTL_SECONDS}
        return Response(body, status=status.HTTP_201_CREATED)


class ConversationListApi(APIView):
    @extend_schema(
        parameters=[ConversationFilter],
        responses=inline_serializer(
            "ConversationPage",
            {"results": ConversationOut(many=True), "has_more": serializers.BooleanField()},
        ),
    )
    def get(self, request):
        params = ConversationFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        conversations, has_more = selectors.dm_conversations(
            request.user,
            before=params.validated_data.get("before"),
            limit=params.validated_data.get("limit", 50),
        )
        rows = [{"user": other, "last_message": message} for other, message in conversations]
        return Response({"results": ConversationOut(rows, many=True).data, "has_more": has_more})


class ConversationMessagesApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("before", int),
            OpenApiParameter("after", int),
            OpenApiParameter("limit", int),
        ],
        responses=inline_serializer(
            "DirectMessagePage",
            {"results": DirectMessageOut(many=True), "has_more": serializers.BooleanField()},
        ),
    )
    def get(self, request, user_id: str):
        cursor = parse_cursor(request.query_params)
        other = selectors.dm_partner_for(request.user, user_id)
        page = selectors.dm_history(request.user, other, **cursor)
        return Response(
            {"results": DirectMessageOut(page.items, many=True).data, "has_more": page.has_more}
        )

    @extend_schema(request=DirectMessageIn, responses={201: DirectMessageOut})
    def post(self, request, user_id: str):
        data = DirectMessageIn(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.dm_send(sender=request.user, recipient_id=user_id, **data.validated_data)
        return Response(DirectMessageOut(message).data, status=status.HTTP_201_CREATED)


class PresenceApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("user_id", str, many=True)],
        responses=PresenceOut(many=True),
    )
    def get(self, request):
        user_ids = [value for value in request.query_params.getlist("user_id") if value]
        if len(user_ids) > MAX_PRESENCE_IDS or any(len(value) > 255 for value in user_ids):
            raise serializers.ValidationError(
                {"user_id": [f"Ask for at most {MAX_PRESENCE_IDS} user ids."]}
            )
        rows = selectors.presence_list(request.user, user_ids)
        return Response(PresenceOut(rows, many=True).data)
