"""Shared REST plumbing: the error envelope, JSON error pages under /api/, pagination, throttles.

Every error under /api/ is ``{"detail": "...", "code": "..."}``; a 400 adds the field errors
(``{"field": ["message"]}``) next to them. Bad input is never a 500 and never an HTML page.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from wya.errors import Forbidden, ServiceError
from wya.ratelimit import WRITE_REFUSED

FORBIDDEN = Forbidden.code
RATE_LIMITED = "rate_limited"

# A backing service is down (PostgreSQL or Redis restarting): 503, retry; nothing half-written.
UNAVAILABLE = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class ServiceUnavailable(exceptions.APIException):
    """The database is unreachable (restart, failover): nothing was written; retry shortly."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is briefly unavailable; nothing was changed. Try again shortly."
    default_code = "service_unavailable"


class UnsupportedMedia(exceptions.UnsupportedMediaType):
    def __init__(self, detail: str | None = None, code: str | None = None):
        exceptions.APIException.__init__(self, detail or "Unsupported media type.", code)


def _translate(exc: Exception) -> Exception:
    """Service errors and Django's own exceptions become the matching API exceptions."""
    if isinstance(exc, ServiceError):
        error = exceptions.APIException(exc.detail, exc.code)
        error.status_code = exc.status
        return error
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(code=FORBIDDEN)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"detail": exc.messages})
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError("The request could not be processed.")
    if isinstance(exc, UNAVAILABLE):
        return ServiceUnavailable()
    return exc


def _first_message(data: Any) -> str:
    if isinstance(data, list) and data:
        return _first_message(data[0])
    if isinstance(data, dict) and data:
        key, value = next(iter(data.items()))
        message = _first_message(value)
        return message if key in ("non_field_errors", "detail") else f"{key}: {message}"
    return str(data)


def _first_code(codes: Any) -> str:
    if isinstance(codes, list) and codes:
        return _first_code(codes[0])
    if isinstance(codes, dict) and codes:
        return _first_code(next(iter(codes.values())))
    return str(codes) if codes else "invalid"


def exception_handler(exc: Exception, context: dict) -> Response | None:
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = "2"
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = {
            "detail": _first_message(fields),
            "code": "invalid",
            **{k: v for k, v in fields.items() if k not in ("detail", "code")},
        }
    else:
        detail = getattr(exc, "detail", None) or response.data.get("detail", "Error.")
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = _first_code(code)
        if isinstance(exc, exceptions.Throttled):
            detail, code = WRITE_REFUSED, RATE_LIMITED
        if code == exceptions.PermissionDenied.default_code:
            code = FORBIDDEN  # one 403 code, whoever refused
        body = {"detail": str(detail), "code": code}
    response.data = body
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def json_error(status_code: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status_code)


@csrf_exempt  # nothing is written: a POST to an unknown path is a 404, not a CSRF failure
def api_not_found(request, *args, **kwargs):
    """The catch-all under ``/api/``: an unrouted path is a JSON 404 for every method."""
    return json_error(404, "Not found.", "not_found")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: JSON under ``/api/`` like every other API error, Django's page else."""
    if _is_api(request):
        return json_error(403, f"CSRF check failed: {reason}", "csrf_failed")
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason=reason)


def handler400(request, exception=None):
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return json_error(413, "The request body is too large.", "too_large")
        return json_error(400, "Bad request.", "bad_request")
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if _is_api(request):
        return json_error(403, "You do not have permission to perform this action.", FORBIDDEN)
    return defaults.permission_denied(request, exception)


def handler404(request, exception=None):
    if _is_api(request):
        return json_error(404, "Not found.", "not_found")
    return defaults.page_not_found(request, exception)


def handler500(request):
    if _is_api(request):
        return json_error(500, "Server error.", "server_error")
    return defaults.server_error(request)


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 100


class SettingsRateThrottle(SimpleRateThrottle):
    """A throttle whose rate is ``settings.RATE_LIMITS[scope]`` (an environment setting)."""

    scope = ""

    def get_rate(self):
        return settings.RATE_LIMITS[self.scope]

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = request.user.pk
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def page_of(item: type, name: str) -> type:
    """The OpenAPI shape of a ``Pagination`` page of ``item`` (for ``extend_schema``)."""
    fields = {
        "count": serializers.IntegerField(),
        "next": serializers.CharField(allow_null=True),
        "previous": serializers.CharField(allow_null=True),
        "results": item(many=True),
    }
    return type(name, (serializers.Serializer,), fields)


def paginated(
    request, view, queryset, serializer: type, *, context: Callable[[list], dict] | None = None
) -> Response:
    """One ``Pagination`` page of ``queryset`` shaped by ``serializer``; ``context(page)`` gives
    the serializer what it needs about the rows of this page (one lookup for the whole page)."""
    paginator = Pagination()
    page: list = paginator.paginate_queryset(queryset, request, view) or []
    extra = context(page) if context is not None else {}
    return paginator.get_paginated_response(serializer(page, many=True, context=extra).data)


# --- Input ------------------------------------------------------------------------------------
def unknown_fields_error(names) -> exceptions.ValidationError:
    return exceptions.ValidationError(
        {str(name): ["Unknown field."] for name in sorted(map(str, names))}, code="invalid"
    )


class StrictSerializer(serializers.Serializer):
    """The base of every input serializer: a body that is not an object, or that carries a field
    the endpoint does not know, is a 400 naming the fields (a typo never silently does nothing)."""

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise exceptions.ValidationError(
                {"non_field_errors": ["Expected a JSON object."]}, code="invalid"
            )
        unknown = [key for key in data if key not in self.fields]
        if unknown:
            raise unknown_fields_error(unknown)
        return super().to_internal_value(data)


class PayloadOutput(serializers.Serializer):
    """An output whose data is a domain payload function's (``payload``: the shape of the
    matching socket frame, one definition for REST and the socket); its fields only describe that
    shape to the OpenAPI schema."""

    payload: Callable[[Any], dict]

    def to_representation(self, instance: Any) -> dict:
        return type(self).payload(instance)


def no_body(request) -> None:
    """Write endpoints that take no input refuse any field sent anyway (the same 400)."""
    data = request.data
    if isinstance(data, Mapping) and data:
        raise unknown_fields_error(data.keys())
    if data and not isinstance(data, Mapping):
        raise exceptions.ValidationError({"non_field_errors": ["This endpoint takes no body."]})
