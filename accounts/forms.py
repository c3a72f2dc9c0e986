"""Forms of the account pages. They only shape input; the services decide (same rules as the API)."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts import services
from accounts.validators import (
    BIO_MAX,
    DISPLAY_NAME_MAX,
    LOCATION_MAX,
    clean_display_name,
    clean_email,
)
from wya.errors import ServiceError
from wya.pages import color_field
from wya.validators import DEFAULT_THEME_COLOR


def client_ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") if request is not None else None) or "unknown"


def clean_email_field(value) -> str:
    """The form side of ``accounts.validators.clean_email``: normalised, then checked as an
    address (a full-width address is the plain one; invisible characters are refused)."""
    email = clean_email(value)
    validate_email(email)
    return email


class RegisterForm(forms.Form):
    # A CharField: EmailField would refuse a full-width address before it is normalised.
    email = forms.CharField(
        max_length=255, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=128,
        strip=False,
        help_text="At least 8 characters; not only digits, not a common password.",
    )
    date_of_birth = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        label="Date of birth",
        help_text="You must be at least 13. It decides who you can meet; nobody sees it.",
    )
    display_name = forms.CharField(max_length=DISPLAY_NAME_MAX, label="Display name")

    def clean_email(self):
        return clean_email_field(self.cleaned_data["email"])

    def clean_display_name(self):
        return clean_display_name(self.cleaned_data["display_name"])


def _image_field(label: str, help_text: str) -> forms.FileField:
    """An optional picture upload; ``uploads`` decides by the bytes, ``accept`` only helps."""
    return forms.FileField(
        required=False,
        label=label,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
        help_text=help_text,
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=DISPLAY_NAME_MAX, label="Display name")
    bio = forms.CharField(
        max_length=BIO_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    theme_color = color_field(
        initial=DEFAULT_THEME_COLOR, label="Theme colour", help_text="Colours your profile page."
    )
    avatar = _image_field(
        "Avatar picture", "JPEG, PNG, GIF or WebP. Leave empty to keep the current one."
    )
    remove_avatar = forms.BooleanField(required=False, label="Remove my avatar")
    banner = _image_field("Banner picture", "A wide image shown at the top of your profile.")
    remove_banner = forms.BooleanField(required=False, label="Remove my banner")
    profile_music_url = forms.CharField(
        required=False,
        label="Spotify or SoundCloud link",
        widget=forms.URLInput(attrs={"placeholder": "https://open.spotify.com/track/…"}),
        help_text="Shown as the provider's player on your profile.",
    )
    location = forms.CharField(
        max_length=LOCATION_MAX,
        required=False,
        label="Location shown on my profile (optional, free text)",
    )

    TEXT_FIELDS = ("display_name", "bio", "theme_color", "profile_music_url", "location")


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
        label="Your password, to confirm",
    )


class ServiceLoginMixin:
    """A login form checked by ``services.user_login_check``: the per-address and per-account
    throttles and the lockout of /api/auth/login/, whichever door the password comes through."""

    banned = False

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            try:
                self.user_cache = services.user_login_check(
                    email=email, password=password, ip=client_ip(self.request)
                )
            except ServiceError as error:
                # A banned account's login error offers the appeal page (docs/moderation.md).
                self.banned = error.code == "banned"
                raise ValidationError(error.detail, code=error.code)
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class LoginForm(ServiceLoginMixin, AuthenticationForm):
    """The /login/ page's form (Django's, checked by the account service)."""


class AdminLoginForm(ServiceLoginMixin, AdminAuthenticationForm):
    """/admin/login/'s password step: the same check, then "staff only" (Django's admin form).
    The second factor is the next step (``accounts.admin_site``)."""


class SecondFactorForm(forms.Form):
    """The 6-digit code of an authenticator app (spaces allowed: apps show ``123 456``)."""

    otp_token = forms.CharField(
        label="6-digit code",
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_otp_token(self) -> str:
        token = "".join(self.cleaned_data["otp_token"].split())
        if len(token) != 6 or not token.isascii() or not token.isdigit():
            raise ValidationError("Enter the 6 digits your authenticator app shows.")
        return token


class SafetySettingsForm(forms.Form):
    """The /me/ page's quiet hours and read receipts (the same service as the REST API)."""

    quiet_hours_enabled = forms.BooleanField(
        required=False, label="Quiet hours (no notifications; a note on my profile)"
    )
    quiet_from = forms.TimeField(
        label="From", input_formats=["%H:%M"], widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_to = forms.TimeField(
        label="To", input_formats=["%H:%M"], widget=forms.TimeInput(attrs={"type": "time"})
    )
    read_receipts_enabled = forms.BooleanField(
        required=False, label="Let people see when I have read their messages"
    )
