from django.contrib import admin

from rooms.models import ChatRoom, ChatRoomMember, ChatRoomMessage


class MemberInline(admin.TabularInline):
    """Read-only: membership changes go through rooms.services (capacity, events, rules)."""

    model = ChatRoomMember
    extra = 0
    fields = ("user", "role", "is_banned", "joined_at", "last_seen_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChatRoom)
class ChatRoomAdmin(admin.ModelAdmin):
    list_display = ("room_name", "id", "owner", "is_public", "max_participants", "created_at")
    search_fields = ("room_name",)
    raw_id_fields = ("owner",)
    inlines = [MemberInline]


@admin.register(ChatRoomMessage)
class ChatRoomMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "room", "user", "created_at")
    raw_id_fields = ("room", "user")
    list_select_related = ("room", "user")
