from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts import services
from accounts.models import Profile, User
from wya.errors import ServiceError


class ProfileAdminForm(forms.ModelForm):
    """The profile part of the user admin, checked and saved by the profile service (the rules
    and the ``updated_at`` handling of the API and the pages)."""

    class Meta:
        model = Profile
        fields = [
            "display_name",
            "bio",
            "avatar_url",
            "banner_url",
            "theme_color",
            "profile_music_url",
            "location",
        ]

    def _fields(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data
        }

    def clean(self):
        data = super().clean()
        user = self.instance.user if self.instance.user_id else None
        try:
            services.profile_changes(user=user, **self._fields())
        except ServiceError as error:
            field, _, message = error.detail.partition(": ")
            if field in self.fields:
                self.add_error(field, message)
            else:
                self.add_error(None, error.detail)
        return data

    def save(self, commit=True):
        return services.profile_update(user=self.instance.user, **self._fields())


class ProfileInline(admin.StackedInline):
    model = Profile
    form = ProfileAdminForm
    can_delete = False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("-created_at",)
    list_display = ("email", "id", "date_of_birth", "is_active", "is_staff", "created_at")
    list_filter = ("is_active", "is_staff", "email_verified")
    search_fields = ("email", "id", "profile__display_name")
    readonly_fields = ("id", "created_at", "last_login")
    inlines = [ProfileInline]
    actions = ["ban_accounts", "unban_accounts", "tombstone_accounts"]
    fieldsets = (
        (None, {"fields": ("id", "email", "password")}),
        ("Personal", {"fields": ("date_of_birth", "email_verified")}),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("created_at", "last_login")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "date_of_birth", "password1", "password2")},
        ),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            services.account_set_active(user=obj, is_active=obj.is_active)

    @admin.action(description="Ban (deactivate, log out everywhere)")
    def ban_accounts(self, request, queryset):
        for user in queryset:
            services.account_set_active(user=user, is_active=False)
        self.message_user(request, f"Banned {queryset.count()} account(s).", messages.SUCCESS)

    @admin.action(description="Lift the ban")
    def unban_accounts(self, request, queryset):
        for user in queryset:
            services.account_set_active(user=user, is_active=True)
        self.message_user(request, f"Reactivated {queryset.count()} account(s).", messages.SUCCESS)

    @admin.action(description="Delete personal data (tombstone the account)")
    def tombstone_accounts(self, request, queryset):
        count = 0
        for user in list(queryset):
            services.account_tombstone(user=user)
            count += 1
        self.message_user(request, f"Deleted {count} account(s).", messages.SUCCESS)
