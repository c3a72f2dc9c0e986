from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from accounts import services
from accounts.forms import clean_email_field
from accounts.models import Profile, SanctionHold, User
from wya.errors import ServiceError


class NormalisedEmailMixin:
    """The admin's user forms store the address as every other path does (NFKC, lower case)
    and refuse invisible characters, so the uniqueness check compares normalised addresses."""

    cleaned_data: dict

    def clean_email(self):
        return clean_email_field(self.cleaned_data.get("email"))


class UserAddForm(NormalisedEmailMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("email", "date_of_birth")
        field_classes: dict = {}


class UserEditForm(NormalisedEmailMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes: dict = {}


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
        # The class's own list: an inline formset's generated Meta adds the ``user`` key.
        names = ProfileAdminForm.Meta.fields
        return {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}

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


class ReadOnlyAdminMixin:
    """View only: nothing is added, edited or deleted here (writes go through the services)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


ADMIN_BAN_REASON = "Banned by the WYA!? safety team."
ADMIN_UNBAN_REASON = "Your account was reactivated by the WYA!? safety team."
ADMIN_DELETE_REASON = "Account deleted by the WYA!? safety team."
# Only a superuser changes who is staff, superuser or in a group (nobody promotes themselves),
# and nobody flips ``is_active`` in the form: bans go through the logged actions.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    ordering = ("-created_at",)
    list_display = ("email", "id", "date_of_birth", "is_active", "is_staff", "created_at")
    list_filter = ("is_active", "is_staff", "email_verified")
    search_fields = ("email", "id", "profile__display_name")
    readonly_fields = ("id", "created_at", "last_login", "is_active")
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

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += PRIVILEGE_FIELDS
        return fields

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are tombstoned (the action below), never deleted

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_formset(self, request, form, formset, change):
        """The profile inline saves through ``accounts.services.profile_update``."""
        if formset.model is not Profile:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for profile_form in formset.forms:
            if not profile_form.has_changed():
                continue
            data = profile_form.cleaned_data
            profile = services.profile_update(
                user=form.instance,
                **{name: data.get(name) for name in ProfileAdminForm.Meta.fields},
            )
            formset.changed_objects.append((profile, profile_form.changed_data))
        return None

    def _each(self, request, queryset, service, reason: str, done: str):
        count = 0
        for user in list(queryset):
            try:
                service(moderator=request.user, user=user, reason=reason)
            except ServiceError as error:
                self.message_user(request, f"{user.email}: {error.detail}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, f"{done} {count} account(s).", messages.SUCCESS)

    @admin.action(description="Ban (deactivate, log out everywhere)", permissions=["change"])
    def ban_accounts(self, request, queryset):
        self._each(request, queryset, services.account_ban, ADMIN_BAN_REASON, "Banned")

    @admin.action(description="Lift the ban", permissions=["change"])
    def unban_accounts(self, request, queryset):
        self._each(request, queryset, services.account_unban, ADMIN_UNBAN_REASON, "Reactivated")

    @admin.action(
        description="Delete personal data (tombstone the account)", permissions=["change"]
    )
    def tombstone_accounts(self, request, queryset):
        self._each(
            request, queryset, services.account_tombstone_by_staff, ADMIN_DELETE_REASON, "Deleted"
        )


@admin.register(SanctionHold)
class SanctionHoldAdmin(admin.ModelAdmin):
    """Holds are written by account deletion only. A superuser may delete one: that is how a held
    platform ban (no end) is lifted, since the deleted account itself cannot be unbanned."""

    list_display = ("id", "action_type", "expires_at", "moderation_action", "created_at")
    list_filter = ("action_type",)
    readonly_fields = ("email_digest", "action_type", "expires_at", "moderation_action")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
