from django.urls import path

from rooms import views

# Room ids are matched as text: rooms.selectors.clean_room_id turns anything that is not a room
# id into the same 404 as the API.
urlpatterns = [
    path("rooms/", views.room_list_page, name="room-list"),
    path("rooms/<str:room_id>/", views.room_page, name="room-page"),
    path("rooms/<str:room_id>/send/", views.room_send_page, name="room-send-page"),
    path("rooms/<str:room_id>/join/", views.room_join_page, name="room-join-page"),
    path("rooms/<str:room_id>/leave/", views.room_leave_page, name="room-leave-page"),
    path(
        "rooms/<str:room_id>/invite/decline/",
        views.room_invite_decline_page,
        name="room-invite-decline-page",
    ),
    path(
        "rooms/<str:room_id>/invites/<str:user_id>/cancel/",
        views.room_invite_cancel_page,
        name="room-invite-cancel-page",
    ),
    path(
        "rooms/<str:room_id>/members/<str:user_id>/kick/",
        views.room_kick_page,
        name="room-kick-page",
    ),
    path("rooms/<str:room_id>/settings/", views.room_settings_page, name="room-settings"),
    path(
        "rooms/<str:room_id>/members/<str:user_id>/unban/",
        views.room_unban_page,
        name="room-unban-page",
    ),
    path(
        "rooms/<str:room_id>/members/<str:user_id>/role/",
        views.room_role_page,
        name="room-role-page",
    ),
    path(
        "rooms/<str:room_id>/members/<str:user_id>/ban/",
        views.room_ban_page,
        name="room-ban-page",
    ),
]
