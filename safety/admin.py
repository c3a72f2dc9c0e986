from django.contrib import admin

from safety.models import ModerationAction, Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("id", "report_type", "status", "reporter", "reported_user", "created_at")
    list_filter = ("status", "report_type")
    raw_id_fields = (
        "reporter",
        "reported_user",
        "reported_room",
        "reported_message",
        "reviewed_by",
    )


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "action_type",
        "target_user",
        "moderator",
        "duration_minutes",
        "created_at",
    )
    list_filter = ("action_type",)
    raw_id_fields = ("moderator", "target_user", "report")
