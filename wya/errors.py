"""Errors that services raise; the REST exception handler and the WebSocket consumer turn them
into a response (``{"detail", "code"}`` with the status) or an ``error`` frame (``code``, ``detail``).

Services never return HTTP responses; they raise one of these with a human-readable ``detail``.
"""


class ServiceError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, detail: str, *, code: str | None = None, status: int | None = None):
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class Invalid(ServiceError):
    status, code = 400, "invalid"


class Forbidden(ServiceError):
    status, code = 403, "forbidden"


class NotFound(ServiceError):
    status, code = 404, "not_found"


class Conflict(ServiceError):
    status, code = 409, "conflict"


class TooLarge(ServiceError):
    status, code = 413, "too_large"


class UnsupportedMediaType(ServiceError):
    status, code = 415, "unsupported_media_type"


class RateLimited(ServiceError):
    status, code = 429, "rate_limited"
