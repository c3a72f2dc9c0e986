"""The rooms REST API (API.md "Rooms"): thin views that parse input, call a service or a
selector, and shape the output."""

from collections.abc import Callable

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.selectors import presence_visible_to
from rooms import selectors, services
from rooms.serializers import (
    AddMemberInput,
    HistoryPage,
    InviteCreatedOutput,
    InviteOutput,
    InvitesPage,
    LeaveOutput,
    MemberEventOutput,
    MemberOutput,
    MembersPage,
    MessageInput,
    ModerationReasonInput,
    MyRoomOutput,
    MyRoomsPage,
    ReadOutput,
    RoleInput,
    RoomDetailOutput,
    RoomInput,
    RoomMessageOutput,
    RoomUpdateInput,
)
from wya.api import no_body, paginated
from wya.cursor import parse_cursor


def _parse(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _room_detail(user, room) -> dict:
    """The room as its detail view shows it to ``user``."""
    return RoomDetailOutput(selectors.room_for_display(user, room)).data


class RoomListCreateView(APIView):
    write_scope = "room_create"  # wya.ratelimit.WriteRateThrottle: RATE_LIMITS["room_create"]

    @extend_schema(responses={200: MyRoomsPage}, operation_id="rooms_list", tags=["rooms"])
    def get(self, request):
        return paginated(request, self, selectors.my_rooms(request.user), MyRoomOutput)

    @extend_schema(request=RoomInput, responses={201: RoomDetailOutput}, tags=["rooms"])
    def post(self, request):
        data = _parse(RoomInput, request.data)
        room = services.room_create(user=request.user, **data)
        return Response(_room_detail(request.user, room), status=status.HTTP_201_CREATED)


class RoomDetailView(APIView):
    write_scope = "room_edit"  # wya.ratelimit.WriteRateThrottle: RATE_LIMITS["room_edit"]

    @extend_schema(responses={200: RoomDetailOutput}, tags=["rooms"])
    def get(self, request, room_id: int):
        access = selectors.room_access(request.user, selectors.clean_room_id(room_id))
        if access.is_banned:
            access.require_member()  # 403 banned: they know the room, they may not read it
        return Response(_room_detail(request.user, access.room))

    @extend_schema(request=RoomUpdateInput, responses={200: RoomDetailOutput}, tags=["rooms"])
    def patch(self, request, room_id: int):
        data = _parse(RoomUpdateInput, request.data, partial=True)
        room = services.room_update(user=request.user, room_id=room_id, **data)
        return Response(_room_detail(request.user, room))

    @extend_schema(responses={204: None}, tags=["rooms"])
    def delete(self, request, room_id: int):
        no_body(request)
        services.room_delete(user=request.user, room_id=room_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomJoinView(APIView):
    @extend_schema(
        request=None,
        responses={200: RoomDetailOutput, 201: RoomDetailOutput},
        tags=["rooms"],
    )
    def post(self, request, room_id: int):
        no_body(request)
        membership, created = services.room_join(user=request.user, room_id=room_id)
        return Response(
            _room_detail(request.user, membership.room),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class RoomLeaveView(APIView):
    @extend_schema(request=None, responses={200: LeaveOutput}, tags=["rooms"])
    def post(self, request, room_id: int):
        no_body(request)
        room = services.room_leave(user=request.user, room_id=room_id)
        return Response(
            {
                "room_id": room_id,
                "room_deleted": room is None,
                "owner_id": room.owner_id if room is not None else None,
            }
        )


class RoomMembersView(APIView):
    write_scope = "members"  # wya.ratelimit.WriteRateThrottle: RATE_LIMITS["members"]

    @extend_schema(responses={200: MembersPage}, tags=["rooms"])
    def get(self, request, room_id: int):
        access = selectors.room_access(request.user, selectors.clean_room_id(room_id))
        access.require_member()
        members = selectors.room_members(request.user, access)

        def presence(page) -> dict:
            return {"presence": presence_visible_to(request.user, [m.user_id for m in page])}

        return paginated(request, self, members, MemberOutput, context=presence)

    @extend_schema(request=AddMemberInput, responses={202: InviteCreatedOutput}, tags=["rooms"])
    def post(self, request, room_id: int):
        """ "Add a user" (API.md) is an invitation the person accepts by joining (docs/rooms.md)."""
        data = _parse(AddMemberInput, request.data)
        invite = services.room_invite_create(
            actor=request.user, room_id=room_id, user_id=data["user_id"]
        )
        body = {"status": "invited", "invite": InviteOutput(invite).data}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class RoomInvitesView(APIView):
    @extend_schema(responses={200: InvitesPage}, operation_id="room_invites_list", tags=["rooms"])
    def get(self, request, room_id: int):
        access = selectors.room_access(request.user, selectors.clean_room_id(room_id))
        access.require_staff()
        return paginated(request, self, selectors.room_invites(access.room.pk), InviteOutput)


class RoomInviteView(APIView):
    @extend_schema(responses={204: None}, tags=["rooms"])
    def delete(self, request, room_id: int, user_id: str):
        no_body(request)
        services.room_invite_cancel(actor=request.user, room_id=room_id, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyInvitesView(APIView):
    @extend_schema(responses={200: InvitesPage}, operation_id="my_invites_list", tags=["rooms"])
    def get(self, request):
        return paginated(request, self, selectors.my_invites(request.user), InviteOutput)


class MyInviteView(APIView):
    @extend_schema(responses={204: None}, tags=["rooms"])
    def delete(self, request, room_id: int):
        """Decline: silent to the inviter (accepting is ``POST /api/rooms/{id}/join/``)."""
        no_body(request)
        services.room_invite_decline(user=request.user, room_id=room_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberRoleView(APIView):
    write_scope = "members"  # wya.ratelimit.WriteRateThrottle: RATE_LIMITS["members"]

    @extend_schema(request=RoleInput, responses={200: MemberOutput}, tags=["rooms"])
    def patch(self, request, room_id: int, user_id: str):
        data = _parse(RoleInput, request.data)
        membership = services.room_member_set_role(
            actor=request.user, room_id=room_id, user_id=user_id, role=data["role"]
        )
        return Response(MemberOutput(membership).data)


def _event(room_id: int, user_id: str, event: str, role=None) -> dict:
    return MemberEventOutput(
        {"room_id": room_id, "user_id": user_id, "event": event, "role": role}
    ).data


def _reason(request) -> str | None:
    """The optional ``reason`` of a kick or ban (an empty body is fine; unknown fields are not)."""
    return _parse(ModerationReasonInput, request.data or {}).get("reason")


class _MemberRemovalView(APIView):
    """Remove one member with an optional reason (``service``) and answer the member event."""

    write_scope = "members"  # wya.ratelimit.WriteRateThrottle: RATE_LIMITS["members"]

    service: Callable[..., object]
    event: str

    @extend_schema(
        request=ModerationReasonInput, responses={200: MemberEventOutput}, tags=["rooms"]
    )
    def post(self, request, room_id: int, user_id: str):
        self.service(actor=request.user, room_id=room_id, user_id=user_id, reason=_reason(request))
        return Response(_event(room_id, user_id, self.event))


class MemberKickView(_MemberRemovalView):
    service = staticmethod(services.room_member_kick)
    event = "kicked"


class MemberBanView(_MemberRemovalView):
    service = staticmethod(services.room_member_ban)
    event = "banned"


class MemberUnbanView(APIView):
    write_scope = "members"  # wya.ratelimit.WriteRateThrottle: RATE_LIMITS["members"]

    @extend_schema(request=None, responses={200: MemberEventOutput}, tags=["rooms"])
    def post(self, request, room_id: int, user_id: str):
        no_body(request)
        services.room_member_unban(actor=request.user, room_id=room_id, user_id=user_id)
        return Response(_event(room_id, user_id, "unbanned"))


class RoomMessagesView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("before", int, description="page of messages older than this id"),
            OpenApiParameter("after", int, description="page of messages newer than this id"),
            OpenApiParameter("limit", int, description="1..100, default 50"),
        ],
        responses={200: HistoryPage},
        tags=["rooms"],
    )
    def get(self, request, room_id: int):
        cursor = parse_cursor(request.query_params)
        access = selectors.room_access(request.user, selectors.clean_room_id(room_id))
        access.require_member()
        page = selectors.room_history(request.user, access.room.pk, **cursor)
        return Response(
            {
                "results": RoomMessageOutput(page.items, many=True).data,
                "has_more": page.has_more,
            }
        )

    @extend_schema(request=MessageInput, responses={201: RoomMessageOutput}, tags=["rooms"])
    def post(self, request, room_id: int):
        data = _parse(MessageInput, request.data)
        message = services.room_message_send(
            user=request.user,
            room_id=room_id,
            message=data.get("message", ""),
            media_url=data.get("media_url"),
        )
        return Response(RoomMessageOutput(message).data, status=status.HTTP_201_CREATED)


class RoomReadView(APIView):
    @extend_schema(request=None, responses={200: ReadOutput}, tags=["rooms"])
    def post(self, request, room_id: int):
        no_body(request)
        membership = services.room_mark_read(user=request.user, room_id=room_id)
        return Response({"room_id": membership.room_id, "last_seen_at": membership.last_seen_at})
