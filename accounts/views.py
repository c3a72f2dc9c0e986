"""Server-rendered account pages. Thin: forms shape input, the same services and selectors as
the API decide."""

import dataclasses
import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import (
    DeleteAccountForm,
    ProfileForm,
    RegisterForm,
    SafetySettingsForm,
    client_ip,
)
from accounts.models import display_name_of, profile_value
from discovery.selectors import discover_people, discover_rooms
from geo import selectors as geo_selectors
from safety import policy, signals_rules
from safety import selectors as safety_selectors
from safety import services as safety_services
from uploads import services as media
from wya import ratelimit
from wya.errors import NotFound, ServiceError
from wya.pages import add_service_error

HOME_LIMIT = 12
TIER_LABELS = {"neighborhood": "In my neighbourhood", "city": "In my city", "nearby": "Nearby"}
# Service refusals that belong to one field of the sign-up form (by code).
REGISTER_FIELD_CODES = {
    "too_young": "date_of_birth",
    "invalid_date_of_birth": "date_of_birth",
    "invalid_email": "email",
    "email_taken": "email",
    "registration_refused": "email",
    "password_invalid": "password",
}


def home(request):
    """Signed out: what WYA!? is, with sign-up and log-in links. Signed in: people and rooms
    near me by tier (the discovery selectors decide who may appear), or how to set a location."""
    context = {"tiers": [], "location": None}
    if request.user.is_authenticated:
        location = geo_selectors.location_of(request.user)
        context["location"] = location
        if location is not None:
            people = discover_people(request.user, limit=HOME_LIMIT)
            rooms = discover_rooms(request.user, limit=HOME_LIMIT)
            context["tiers"] = [
                {"key": key, "label": TIER_LABELS[key], "people": people[key], "rooms": rooms[key]}
                for key in policy.discovery_tiers_for(request.user)  # a teen has no "nearby"
            ]
    return render(request, "home.html", context)


@require_http_methods(["GET", "POST"])
def register_page(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = RegisterForm(request.POST or None)
    browser_id = signals_rules.clean_browser_id(request.COOKIES.get(signals_rules.BROWSER_COOKIE))
    if request.method == "POST" and form.is_valid():
        try:
            user, _token = services.user_register(
                **form.cleaned_data, ip=client_ip(request), browser_id=browser_id
            )
        except ServiceError as error:
            field = REGISTER_FIELD_CODES.get(error.code)
            if field:
                form.add_error(field, error.detail.partition(": ")[2] or error.detail)
            else:
                add_service_error(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome to WYA!? Set your location to find people near you.")
            return redirect("discover-page")
    status = 400 if request.method == "POST" else 200
    response = render(request, "accounts/register.html", {"form": form}, status=status)
    if browser_id is None:
        _set_browser_cookie(response)
    return response


# A year: the id names this browser, not a person or a visit (docs/moderation.md, "Early
# signals"); only the cross-segment rule reads it, for SIGNAL_CROSS_SEGMENT_MINUTES after a sign-up.
BROWSER_COOKIE_MAX_AGE = 365 * 24 * 3600


def _set_browser_cookie(response) -> None:
    """A first-party random id for this browser (never the address): a teen and an adult
    registered from one browser minutes apart raise an early signal."""
    response.set_cookie(
        signals_rules.BROWSER_COOKIE,
        secrets.token_urlsafe(24),
        max_age=BROWSER_COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _profile_initial(user) -> dict:
    fields = ProfileForm.base_fields
    return {
        name: profile_value(user, name) or fields[name].initial for name in ProfileForm.TEXT_FIELDS
    }


def _uploaded_image_url(user, upload, field: str, form) -> str | None:
    """Store an uploaded picture through the media service; its URL, or None with a field error."""
    try:
        stored = media.media_upload(user=user, uploaded_file=upload)
    except ServiceError as error:
        form.add_error(field, error.detail)
        return None
    if stored.kind != "image":
        form.add_error(field, "Choose an image (JPEG, PNG, GIF or WebP).")
        return None
    return stored.media_url


def _save_profile(user, form) -> bool:
    data = form.cleaned_data
    changes = {name: data[name] for name in ProfileForm.TEXT_FIELDS}
    for field, url_field, remove in (
        ("avatar", "avatar_url", "remove_avatar"),
        ("banner", "banner_url", "remove_banner"),
    ):
        if data.get(field):
            url = _uploaded_image_url(user, data[field], field, form)
            if url is None:
                return False
            changes[url_field] = url
        elif data.get(remove):
            changes[url_field] = None
    try:
        services.profile_update(user=user, **changes)
    except ServiceError as error:
        add_service_error(form, error)
        return False
    return True


def _safety_form(user) -> SafetySettingsForm:
    """The safety settings form, filled with the settings in force (row or segment defaults)."""
    chosen = selectors.safety_settings_for(user=user)
    initial = {**dataclasses.asdict(chosen)}
    initial["quiet_from"] = f"{chosen.quiet_from:%H:%M}"
    initial["quiet_to"] = f"{chosen.quiet_to:%H:%M}"
    return SafetySettingsForm(initial=initial)


def _save_safety_settings(user, form: SafetySettingsForm) -> bool:
    if not form.is_valid():
        return False
    try:
        services.safety_settings_update(user=user, **form.cleaned_data)
    except ServiceError as error:
        add_service_error(form, error)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def me_page(request):
    user = selectors.user_me(user=request.user)
    form = ProfileForm(initial=_profile_initial(user))
    delete_form = DeleteAccountForm()
    safety_form = _safety_form(user)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "safety":
        safety_form = SafetySettingsForm(request.POST)
        if _save_safety_settings(user, safety_form):
            messages.success(request, "Safety settings saved.")
            return redirect("me")
        status = 400
    elif request.method == "POST" and request.POST.get("action") == "delete":
        delete_form = DeleteAccountForm(request.POST)
        if delete_form.is_valid():
            try:
                services.account_delete(user=user, password=delete_form.cleaned_data["password"])
            except ServiceError as error:
                delete_form.add_error("password", error.detail)
            else:
                request.session.flush()
                return redirect("home")
        status = 400
    elif request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid() and _save_profile(user, form):
            messages.success(request, "Profile saved.")
            return redirect("me")
        status = 400
    context = {"form": form, "delete_form": delete_form, "me": user, "profile": user.profile}
    context["safety_form"] = safety_form
    return render(request, "accounts/me.html", context, status=status)


def _visible_person_or_404(viewer, user_id):
    try:
        return selectors.user_public_get(viewer=viewer, user_id=user_id)
    except NotFound:
        raise Http404("No such user.")


@login_required
def user_page(request, user_id: str):
    user = _visible_person_or_404(request.user, user_id)
    presence = selectors.presence_of(viewer=request.user, user=user)
    context = {"person": user, "profile": getattr(user, "profile", None), "presence": presence}
    context["quiet_hours"] = policy.quiet_hours_note(user)  # "Quiet hours 22:00–07:00"
    return render(request, "accounts/user.html", context)


@login_required
@require_POST
def block_page(request, user_id: str):
    """Block from a profile: ``safety.services.block_create`` (both sides' sockets hear it),
    which decides exactly as for REST (``policy.can_block``; blocking again is a no-op)."""
    try:
        ratelimit.check_write(request.user, "blocks")  # the API's limit on block toggles
        block, _ = safety_services.block_create(blocker=request.user, blocked_id=user_id)
    except NotFound:
        raise Http404("No such user.")
    except ServiceError as error:
        messages.error(request, error.detail)
        return redirect("user-profile", user_id=user_id)
    name = display_name_of(block.blocked, "This person")
    messages.success(
        request,
        f"You blocked {name}. Neither of you can see or message the other; "
        "you can lift the block here.",
    )
    return redirect("blocks-page")


@login_required
def blocks_page(request):
    blocks = list(safety_selectors.blocks_of(user=request.user)[:200])
    return render(request, "accounts/blocks.html", {"blocks": blocks})


@login_required
@require_POST
def unblock_page(request, user_id: str):
    try:
        ratelimit.check_write(request.user, "blocks")  # the API's limit on block toggles
        safety_services.block_delete(blocker=request.user, blocked_id=user_id)
    except NotFound:
        messages.error(request, "You have not blocked this person.")
    except ServiceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, "Block lifted.")
    return redirect("blocks-page")


class PasswordChangePage(auth_views.PasswordChangeView):
    """Django's password change (checks the old password, runs the validators, keeps this
    session logged in)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("me")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Password changed.")
        return response
