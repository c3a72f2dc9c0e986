"""Rooms in the admin: view only. Staff never create, edit or delete rooms, memberships or
messages here (the room's owner could otherwise be moved to someone of another age segment,
or evidence be erased); changes go through ``rooms.services`` in the app, under its rules."""

from django.contrib import admin

from accounts.admin import ReadOnlyAdminMixin
from rooms.models import ChatRoom, ChatRoomMember, ChatRoomMessage, RoomInvite


class MemberInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ChatRoomMember
    extra = 0
    fields = ("user", "role", "is_banned", "joined_at", "last_seen_at")
    readonly_fields = fields


@admin.register(ChatRoom)
class ChatRoomAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("room_name", "id", "owner", "is_public", "max_participants", "created_at")
    search_fields = ("room_name",)
    list_select_related = ("owner",)
    inlines = [MemberInline]


@admin.register(ChatRoomMessage)
class ChatRoomMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "room", "user", "created_at")
    list_select_related = ("room", "user")


@admin.register(RoomInvite)
class RoomInviteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Pending and lapsed invitations, so moderators can see who invites whom (an invitation
    reaches another person, like a message)."""

    list_display = ("room", "inviter", "invitee", "created_at")
    list_select_related = ("room", "inviter", "invitee")
