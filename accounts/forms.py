"""Forms of the account pages. They only shape input; the services decide (same rules as the API)."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import Profile
from accounts.validators import BIO_MAX, DISPLAY_NAME_MAX, LOCATION_MAX
from wya.errors import ServiceError


def client_ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") if request is not None else None) or "unknown"


class RegisterForm(forms.Form):
    email = forms.EmailField(max_length=255)
    password = forms.CharField(widget=forms.PasswordInput, max_length=128, strip=False)
    date_of_birth = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    display_name = forms.CharField(max_length=DISPLAY_NAME_MAX)


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=DISPLAY_NAME_MAX)
    bio = forms.CharField(max_length=BIO_MAX, required=False, widget=forms.Textarea)
    theme_color = forms.CharField(
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color"}),
        initial=Profile.DEFAULT_THEME_COLOR,
    )
    avatar_url = forms.CharField(required=False)
    banner_url = forms.CharField(required=False)
    profile_music_url = forms.CharField(required=False, label="Spotify or SoundCloud link")
    location = forms.CharField(max_length=LOCATION_MAX, required=False)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, strip=False)


class LoginForm(AuthenticationForm):
    """Django's login form, checked by ``services.user_login_check`` (throttles and lockout)."""

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            try:
                self.user_cache = services.user_login_check(
                    email=email, password=password, ip=client_ip(self.request)
                )
            except ServiceError as error:
                raise ValidationError(error.detail, code=error.code)
        return self.cleaned_data
