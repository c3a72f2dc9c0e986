"""REST API for accounts: register, login, logout, own account (/api/me/) and public profiles.

Thin views: parse with a serializer, call a service or a selector, shape the output.
"""

from django.contrib.auth import logout
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.serializers import (
    LoginInput,
    MeOutput,
    MePatchInput,
    PasswordInput,
    PublicProfileOutput,
    RegisterInput,
    RegisterOutput,
    SafetySettingsInput,
    SafetySettingsOutput,
    TokenOutput,
)
from safety import signals_rules
from wya.api import no_body


def client_ip(request) -> str:
    """The peer address. Behind a proxy, the proxy must set REMOTE_ADDR (never trust XFF here)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


class RegisterApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=RegisterInput, responses={201: RegisterOutput}, tags=["accounts"])
    def post(self, request):
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        # The browser id of the cross-segment signal: the register page's cookie, or a header
        # an app sends with the id it keeps (docs/moderation.md, "Early signals").
        browser_id = request.META.get(signals_rules.BROWSER_HEADER) or request.COOKIES.get(
            signals_rules.BROWSER_COOKIE
        )
        user, token = services.user_register(
            **data.validated_data, ip=client_ip(request), browser_id=browser_id
        )
        user = selectors.user_me(user=user)
        return Response(
            {"user": MeOutput(user).data, "token": token.key}, status=status.HTTP_201_CREATED
        )


class LoginApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=LoginInput, responses={200: TokenOutput}, tags=["accounts"])
    def post(self, request):
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_login_check(**data.validated_data, ip=client_ip(request))
        token = services.token_for(user=user)
        return Response({"token": token.key})


class LogoutApi(APIView):
    @extend_schema(request=None, responses={204: None}, tags=["accounts"])
    def post(self, request):
        no_body(request)
        token_key = getattr(request.auth, "key", None)
        if token_key is not None:
            services.user_logout(user=request.user, token_key=token_key)
        else:  # a page's session cookie: end the session (user_logged_out closes its sockets)
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses={200: MeOutput}, tags=["accounts"])
    def get(self, request):
        return Response(MeOutput(selectors.user_me(user=request.user)).data)

    @extend_schema(request=MePatchInput, responses={200: MeOutput}, tags=["accounts"])
    def patch(self, request):
        data = MePatchInput(data=request.data, partial=True, context={"user": request.user})
        data.is_valid(raise_exception=True)
        services.profile_update(user=request.user, **data.validated_data)
        return Response(MeOutput(selectors.user_me(user=request.user)).data)

    @extend_schema(
        request=PasswordInput,
        responses={204: None, 403: OpenApiResponse(description="wrong password")},
        tags=["accounts"],
    )
    def delete(self, request):
        data = PasswordInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.account_delete(user=request.user, password=data.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserDetailApi(APIView):
    @extend_schema(responses={200: PublicProfileOutput}, tags=["accounts"])
    def get(self, request, user_id: str):
        user = selectors.user_public_get(viewer=request.user, user_id=user_id)
        context = {"presence": selectors.presence_of(viewer=request.user, user=user)}
        return Response(PublicProfileOutput(user, context=context).data)


class SafetySettingsApi(APIView):
    """GET, PATCH /api/me/safety-settings/: quiet hours and read receipts (docs/moderation.md
    "Minors"); without a change the segment's defaults are shown (nothing is stored)."""

    @extend_schema(responses={200: SafetySettingsOutput}, tags=["accounts"])
    def get(self, request):
        return Response(SafetySettingsOutput(selectors.safety_settings_for(user=request.user)).data)

    @extend_schema(
        request=SafetySettingsInput, responses={200: SafetySettingsOutput}, tags=["accounts"]
    )
    def patch(self, request):
        data = SafetySettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        chosen = services.safety_settings_update(user=request.user, **data.validated_data)
        return Response(SafetySettingsOutput(chosen).data)
