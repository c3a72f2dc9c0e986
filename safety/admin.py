from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied

from safety import services
from safety.models import ModerationAction, Report
from wya.errors import ServiceError


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


class ModerationActionForm(forms.ModelForm):
    """Validates with the service's own checks, so the admin shows the same messages."""

    moderator = None  # set by the admin from the request

    class Meta:
        model = ModerationAction
        fields = ("target_user", "action_type", "reason", "duration_minutes", "report")

    def clean(self):
        data = super().clean() or {}
        if self.instance.pk is None and not self.errors:
            try:
                services.moderation_action_check(
                    moderator=self.moderator,
                    target_user=data.get("target_user"),
                    action_type=data.get("action_type", ""),
                    reason=data.get("reason", ""),
                    duration_minutes=data.get("duration_minutes"),
                )
            except ServiceError as error:
                raise forms.ValidationError(error.detail) from error
        return data


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    form = ModerationActionForm
    list_display = (
        "id",
        "action_type",
        "target_user",
        "moderator",
        "duration_minutes",
        "created_at",
    )
    list_filter = ("action_type",)
    raw_id_fields = ("target_user", "report")
    fields = ("target_user", "action_type", "reason", "duration_minutes", "report")
    search_fields = ("target_user__email", "reason")

    # The log is append-only: an action is taken once, through the service (which tells its
    # target), and never edited or deleted afterwards, so nothing can be done in the shadows.
    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.moderator = request.user  # type: ignore[attr-defined]  # read by the form's clean()
        return form

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied("Moderation actions cannot be edited.")
        action = services.moderation_action_take(
            moderator=request.user,
            target_user=obj.target_user,
            action_type=obj.action_type,
            reason=obj.reason,
            duration_minutes=obj.duration_minutes,
            report=obj.report,
        )
        obj.pk = action.pk
        obj.created_at = action.created_at
