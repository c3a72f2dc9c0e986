"""Middleware that refuses hostile requests before any view runs (``wya.hostile``).

- A NUL or lone surrogate in the path: 404 (no id can contain one; PostgreSQL would raise).
- A NUL or lone surrogate in a query-string or form field: 400 with ``detail``/``code``.
Form fields need no check here: Django's form fields refuse NUL themselves, and API bodies pass
``wya.parsers``. (Multipart bodies are not parsed here: the media view sets its upload handler first.)
Under ``/api/`` the answers are JSON like every other API error; pages get plain text.
"""

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from wya import hostile
from wya.api import UNAVAILABLE, json_error


def _bad_field(query_dict) -> str | None:
    for key, values in query_dict.lists():
        for value in (key, *values):
            if isinstance(value, str):
                reason = hostile.bad_text_reason(value)
                if reason:
                    return reason
    return None


class HostileInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if hostile.bad_text_reason(request.path):
            raise Http404("No such page.")
        reason = _bad_field(request.GET)
        if reason:
            return self._bad_request(request, reason)
        return self.get_response(request)

    @staticmethod
    def _bad_request(request, detail: str):
        if request.path.startswith("/api/"):
            return json_error(400, detail, "invalid")
        return HttpResponseBadRequest(detail, content_type="text/plain; charset=utf-8")


class DatabaseUnavailableMiddleware:
    """A database outage (restart, failover) is a 503 with ``Retry-After``, never a 500: JSON
    under ``/api/`` (the REST views get the same from ``wya.api.exception_handler``), plain text
    on pages. The transaction was rolled back, so nothing was half written."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, UNAVAILABLE):
            return None
        detail = "The service is briefly unavailable; nothing was changed. Try again shortly."
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = json_error(503, detail, "service_unavailable")
        else:
            response = HttpResponse(detail, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "2"
        return response


SKIPPED_PREFIXES = ("/api/", "/admin/", "/media/", "/static/")


class FriendlyNotFoundMiddleware:
    """Every 404 on a page is the app's own 404 page, in DEBUG too (Django would show its
    technical page, for unknown URLs and for ``Http404`` alike); ``/api/`` keeps its JSON 404
    (``wya.api.handler404``) and ``/admin/``, ``/media/``, ``/static/`` their own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and not getattr(response, "wya_page", False)
            and not request.path.startswith(SKIPPED_PREFIXES)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            response = render(request, "404.html", status=404)
            response.wya_page = True  # type: ignore[attr-defined]  # a marker on our own response
        return response
