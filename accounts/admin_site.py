"""The admin site (``admin.site``, installed by ``accounts.apps.WyaAdminConfig``): one gate.

- The password step (/admin/login/) is checked by ``services.user_login_check``, like
  /api/auth/login/ and /login/: the same per-address and per-account throttles and the same
  lockout, whichever door the guesses come through.
- Then a second factor: a TOTP code (django-otp). A staff member without an authenticator enrols
  one first (/admin/otp/enrol/: secret, otpauth:// URI and QR code, confirmed by a first code).
- The admin opens only to a session verified by that code (``has_permission``), superusers
  included. App pages ignore the second factor: a staff member's session works there either way.
"""

import base64

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from accounts import selectors, services
from accounts.forms import AdminLoginForm, SecondFactorForm
from moderation import views as moderation_views
from wya.errors import ServiceError

# Refusals of the password step that are throttles: the page answers 429, like the API.
THROTTLE_CODES = frozenset({"rate_limited", "account_locked", "otp_throttled"})


def is_verified(user) -> bool:
    """Whether this request's session passed the second factor (``OTPMiddleware`` sets it)."""
    check = getattr(user, "is_verified", None)
    return bool(callable(check) and check())


def needs_second_factor(user) -> bool:
    """A staff member logged in with a password only: the admin asks for the code next."""
    return user.is_authenticated and user.is_active and user.is_staff and not is_verified(user)


def _throttled(form) -> bool:
    return any(error.code in THROTTLE_CODES for error in form.errors.as_data().get("__all__", []))


def qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code (rendered here: no third-party service)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=8)
    return image.to_string(encoding="unicode")


class WyaAdminSite(admin.AdminSite):
    login_form = AdminLoginForm

    def has_permission(self, request) -> bool:
        """Active staff whose session is verified by a second factor (superusers too)."""
        return super().has_permission(request) and is_verified(request.user)

    def get_urls(self):
        steps = [
            path("otp/", self._step(self.second_factor), name="otp_verify"),
            path("otp/enrol/", self._step(self.enrol), name="otp_enrol"),
            *moderation_views.admin_urls(self),  # the transparency pages (Safety leads)
        ]
        return steps + super().get_urls()  # before the admin's catch-all

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        if request.method == "GET" and needs_second_factor(request.user):
            return self._to_second_factor(request)
        response = super().login(request, extra_context)
        if response.status_code == 302 and needs_second_factor(request.user):
            return self._to_second_factor(request)  # the password was right: the code is next
        form = getattr(response, "context_data", {}).get("form")
        if request.method == "POST" and form is not None and _throttled(form):
            response.status_code = 429
        return response

    def _next_url(self, request) -> str:
        wanted = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
        safe = url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return wanted if wanted and safe else reverse("admin:index", current_app=self.name)

    def _to_second_factor(self, request) -> HttpResponseRedirect:
        query = urlencode({REDIRECT_FIELD_NAME: self._next_url(request)})
        return redirect(f"{reverse('admin:otp_verify', current_app=self.name)}?{query}")

    def _step(self, view):
        """A second-factor step: for staff logged in with a password, not yet verified."""

        @never_cache
        @csrf_protect
        def step(request):
            if not needs_second_factor(request.user):
                if self.has_permission(request):
                    return redirect(self._next_url(request))
                return redirect(reverse("admin:login", current_app=self.name))
            request.current_app = self.name
            return view(request)

        return step

    def _render(self, request, template: str, context: dict, status: int) -> TemplateResponse:
        context = {
            **self.each_context(request),
            "next": self._next_url(request),
            "subtitle": None,
            "otp_issuer": settings.OTP_TOTP_ISSUER,  # the name the authenticator app shows
            **context,
        }
        return TemplateResponse(request, template, context, status=status)

    def _check_code(self, request, form, device) -> HttpResponseRedirect | None:
        """The form's code checked against ``device``; on success the session is verified."""
        if not form.is_valid():
            return None
        try:
            device = services.staff_second_factor_check(
                user=request.user, device=device, token=form.cleaned_data["otp_token"]
            )
        except ServiceError as error:
            form.add_error(None, error.detail)
            form.throttled = error.code in THROTTLE_CODES
            return None
        django_otp.login(request, device)  # the session's mark that the admin reads
        return redirect(self._next_url(request))

    def second_factor(self, request):
        device = selectors.staff_totp_device(user=request.user)
        if device is None:
            query = urlencode({REDIRECT_FIELD_NAME: self._next_url(request)})
            return redirect(f"{reverse('admin:otp_enrol', current_app=self.name)}?{query}")
        form = SecondFactorForm(request.POST or None)
        if request.method == "POST":
            done = self._check_code(request, form, device)
            if done is not None:
                return done
        context = {"form": form, "title": "Second step: your code"}
        return self._render(request, "admin/otp_verify.html", context, _status(request, form))

    def enrol(self, request):
        if selectors.staff_totp_device(user=request.user) is not None:
            return self._to_second_factor(request)
        device = services.staff_totp_enrolment(user=request.user)
        form = SecondFactorForm(request.POST or None)
        if request.method == "POST":
            done = self._check_code(request, form, device)
            if done is not None:
                return done
        context = {
            "form": form,
            "title": "Set up your second factor",
            "otp_uri": device.config_url,
            "otp_secret": base64.b32encode(device.bin_key).decode(),
            "otp_qr": mark_safe(qr_svg(device.config_url)),  # noqa: S308 (made here, no input)
        }
        return self._render(request, "admin/otp_enrol.html", context, _status(request, form))


def _status(request, form) -> int:
    if request.method != "POST":
        return 200
    return 429 if getattr(form, "throttled", False) else 400
