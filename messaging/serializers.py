"""Input and output shapes of the live side's REST API (tickets, direct messages, presence).

``PresenceOutput`` is the one presence shape: the presence API, room members and public
profiles all show it. ``DirectMessageOutput`` is ``messaging.services.dm_payload``, the shape of
the ``dm.message`` frame.
"""

from rest_framework import serializers

from messaging.services import dm_payload
from wya.api import PayloadOutput, StrictSerializer
from wya.cursor import MAX_LIMIT


class DirectMessageOutput(PayloadOutput):
    id = serializers.IntegerField()
    sender_id = serializers.CharField()
    recipient_id = serializers.CharField()
    message = serializers.CharField()
    media_url = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()

    payload = staticmethod(dm_payload)


def _history_payload(row: tuple) -> dict:
    message, blurred = row
    return {**dm_payload(message), "blurred": blurred}


class DirectMessageHistoryOutput(DirectMessageOutput):
    """A message of a conversation's history: the frame's shape and ``blurred``, the hint that
    its image is from someone new and shown blurred until tapped (docs/moderation.md)."""

    blurred = serializers.BooleanField()

    payload = staticmethod(_history_payload)  # type: ignore[assignment]  # a history row is (message, blurred), not a message


class PublicUserOutput(serializers.Serializer):
    id = serializers.CharField()
    display_name = serializers.CharField(source="profile.display_name", default="")
    avatar_url = serializers.CharField(source="profile.avatar_url", default=None)
    theme_color = serializers.CharField(source="profile.theme_color", default=None)


class WsTicketOutput(serializers.Serializer):
    ticket = serializers.CharField()
    expires_in = serializers.IntegerField()


class ConversationOutput(serializers.Serializer):
    user = PublicUserOutput()
    last_message = DirectMessageOutput()
    # The first-contact prompt is due: someone new wrote (docs/moderation.md).
    first_contact = serializers.BooleanField()


class PresenceOutput(serializers.Serializer):
    """What a viewer may know of someone's presence (``messaging.selectors.presence_visible_to``)."""

    status = serializers.CharField()
    activity = serializers.CharField(allow_null=True)
    room_id = serializers.IntegerField(allow_null=True)
    last_seen_at = serializers.DateTimeField(allow_null=True)


class UserPresenceOutput(PresenceOutput):
    user_id = serializers.CharField()


class ConversationParams(serializers.Serializer):
    before = serializers.IntegerField(required=False, min_value=1)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT)


class DirectMessageInput(StrictSerializer):
    # Stripping, length and emptiness are the one message rule (wya.validators.clean_message),
    # shared with room messages and the socket.
    message = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, default=""
    )
    media_url = serializers.CharField(required=False, allow_null=True, default=None)
