"""REST for the live side: WebSocket tickets, direct messages, presence. Thin views."""

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging import selectors, services
from messaging.serializers import (
    ConversationOutput,
    ConversationParams,
    DirectMessageHistoryOutput,
    DirectMessageInput,
    DirectMessageOutput,
    UserPresenceOutput,
    WsTicketOutput,
)
from messaging.tickets import ticket_issue
from wya.api import no_body
from wya.cursor import parse_cursor

MAX_PRESENCE_IDS = 100


class WsTicketApi(APIView):
    @extend_schema(tags=["messaging"], request=None, responses={201: WsTicketOutput})
    def post(self, request):
        no_body(request)
        token_key = request.auth.key if isinstance(request.auth, Token) else None
        session_key = None if token_key else getattr(request.session, "session_key", None)
        ticket = ticket_issue(user_id=request.user.pk, token_key=token_key, session_key=session_key)
        body = {"ticket": ticket, "expires_in": settings.WS_TICKET_TTL_SECONDS}
        return Response(body, status=status.HTTP_201_CREATED)


class ConversationListApi(APIView):
    @extend_schema(
        tags=["messaging"],
        parameters=[ConversationParams],
        responses=inline_serializer(
            "ConversationPage",
            {"results": ConversationOutput(many=True), "has_more": serializers.BooleanField()},
        ),
    )
    def get(self, request):
        params = ConversationParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        conversations, has_more = selectors.dm_conversations(
            request.user,
            before=params.validated_data.get("before"),
            limit=params.validated_data.get("limit", 50),
        )
        due = selectors.first_contact_due_ids(request.user, [other for other, _ in conversations])
        rows = [
            {"user": other, "last_message": message, "first_contact": other.pk in due}
            for other, message in conversations
        ]
        return Response({"results": ConversationOutput(rows, many=True).data, "has_more": has_more})


class ConversationMessagesApi(APIView):
    @extend_schema(
        tags=["messaging"],
        parameters=[
            OpenApiParameter("before", int),
            OpenApiParameter("after", int),
            OpenApiParameter("limit", int),
        ],
        responses=inline_serializer(
            "DirectMessagePage",
            {
                "results": DirectMessageHistoryOutput(many=True),
                "has_more": serializers.BooleanField(),
                "first_contact": serializers.BooleanField(),
            },
        ),
    )
    def get(self, request, user_id: str):
        cursor = parse_cursor(request.query_params)
        other = selectors.dm_partner_for(request.user, user_id)
        thread = selectors.dm_thread(request.user, other, **cursor)
        rows = [(message, message.id in thread.blurred_ids) for message in thread.page.items]
        return Response(
            {
                "results": DirectMessageHistoryOutput(rows, many=True).data,
                "has_more": thread.page.has_more,
                "first_contact": thread.first_contact,
            }
        )

    @extend_schema(
        tags=["messaging"], request=DirectMessageInput, responses={201: DirectMessageOutput}
    )
    def post(self, request, user_id: str):
        data = DirectMessageInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.dm_send(sender=request.user, recipient_id=user_id, **data.validated_data)
        return Response(DirectMessageOutput(message).data, status=status.HTTP_201_CREATED)


class PresenceApi(APIView):
    @extend_schema(
        tags=["messaging"],
        parameters=[OpenApiParameter("user_id", str, many=True)],
        responses=UserPresenceOutput(many=True),
    )
    def get(self, request):
        user_ids = [value for value in request.query_params.getlist("user_id") if value]
        if len(user_ids) > MAX_PRESENCE_IDS or any(len(value) > 255 for value in user_ids):
            raise serializers.ValidationError(
                {"user_id": [f"Ask for at most {MAX_PRESENCE_IDS} user ids."]}
            )
        rows = selectors.presence_list(request.user, user_ids)
        return Response(UserPresenceOutput(rows, many=True).data)


class FirstContactDismissApi(APIView):
    @extend_schema(tags=["messaging"], request=None, responses={204: None})
    def post(self, request, user_id: str):
        """The prompt's "Got it": it is not shown again for this pair."""
        no_body(request)
        services.first_contact_dismiss(user=request.user, other_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
