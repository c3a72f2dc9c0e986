"""Direct messages and presence in the admin: view only (nobody writes a DM "from" someone)."""

from django.contrib import admin

from accounts.admin import ReadOnlyAdminMixin
from messaging.models import Presence, PrivateMessage


@admin.register(PrivateMessage)
class PrivateMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "sender", "recipient", "created_at")
    list_select_related = ("sender", "recipient")


@admin.register(Presence)
class PresenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "status", "activity", "room", "last_seen_at")
    list_filter = ("status",)
    list_select_related = ("user", "room")
