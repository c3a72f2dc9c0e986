from django.contrib import admin

from messaging.models import Presence, PrivateMessage


@admin.register(PrivateMessage)
class PrivateMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "sender", "recipient", "created_at")
    raw_id_fields = ("sender", "recipient")
    list_select_related = ("sender", "recipient")


@admin.register(Presence)
class PresenceAdmin(admin.ModelAdmin):
    list_display = ("user", "status", "activity", "room", "last_seen_at")
    list_filter = ("status",)
    raw_id_fields = ("user", "room")
