from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import Profile, User
from accounts.validators import clean_display_name, music_provider_for, validate_theme_color


class ProfileAdminForm(forms.ModelForm):
    """The profile rules of the API (accounts.validators) in the admin too."""

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

    def clean_display_name(self):
        return clean_display_name(self.cleaned_data.get("display_name"))

    def clean_theme_color(self):
        value = self.cleaned_data.get("theme_color")
        validate_theme_color(value)
        return value.upper()

    def clean_bio(self):
        value = self.cleaned_data.get("bio") or None
        if value and len(value) > 500:
            raise ValidationError("Ensure the bio has at most 500 characters.")
        return value

    def clean(self):
        data = super().clean()
        url = data.get("profile_music_url") or None
        try:
            self.instance.profile_music_provider = music_provider_for(url) if url else None
        except ValidationError as error:
            self.add_error("profile_music_url", error)
        data["profile_music_url"] = url
        return data


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
