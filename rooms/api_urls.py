"""``/api/rooms/...`` (API.md "Rooms"). Room ids are integers; anything else is a JSON 404."""

from django.urls import path

from rooms import api

urlpatterns = [
    path("rooms/", api.RoomListCreateView.as_view(), name="rooms"),
    path("rooms/<int:room_id>/", api.RoomDetailView.as_view(), name="room-detail"),
    path("rooms/<int:room_id>/join/", api.RoomJoinView.as_view(), name="room-join"),
    path("rooms/<int:room_id>/leave/", api.RoomLeaveView.as_view(), name="room-leave"),
    path("rooms/<int:room_id>/members/", api.RoomMembersView.as_view(), name="room-members"),
    path(
        "rooms/<int:room_id>/members/<str:user_id>/",
        api.MemberRoleView.as_view(),
        name="room-member",
    ),
    path(
        "rooms/<int:room_id>/members/<str:user_id>/kick/",
        api.MemberKickView.as_view(),
        name="room-member-kick",
    ),
    path(
        "rooms/<int:room_id>/members/<str:user_id>/ban/",
        api.MemberBanView.as_view(),
        name="room-member-ban",
    ),
    path(
        "rooms/<int:room_id>/members/<str:user_id>/unban/",
        api.MemberUnbanView.as_view(),
        name="room-member-unban",
    ),
    path("rooms/<int:room_id>/invites/", api.RoomInvitesView.as_view(), name="room-invites"),
    path(
        "rooms/<int:room_id>/invites/<str:user_id>/",
        api.RoomInviteView.as_view(),
        name="room-invite",
    ),
    path("me/invites/", api.MyInvitesView.as_view(), name="my-invites"),
    path("me/invites/<int:room_id>/", api.MyInviteView.as_view(), name="my-invite"),
    path("rooms/<int:room_id>/messages/", api.RoomMessagesView.as_view(), name="room-messages"),
    path("rooms/<int:room_id>/read/", api.RoomReadView.as_view(), name="room-read"),
]
