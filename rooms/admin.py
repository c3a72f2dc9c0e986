from django.contrib import admin

from rooms.models import ChatRoom, ChatRoomMember, ChatRoomMessage


class MemberInline(admin.TabularInline):
    model = ChatRoomMember
    extra = 0
    raw_id_fields = ("user",)


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
