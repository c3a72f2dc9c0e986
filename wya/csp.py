"""Content-Security-Policy for the server-rendered pages: everything comes from this app, and
the only third parties are the official Spotify and SoundCloud embed players (frames).

Scripts: same origin only (no inline script anywhere in the pages; ``json_script`` blocks are
data, not script). Styles allow inline attributes (theme and room colours). The admin, the API
and its Swagger UI keep their own behaviour (they are not under this policy)."""

from django.shortcuts import render

FRAME_SOURCES = ("https://open.spotify.com", "https://w.soundcloud.com")
SKIPPED_PREFIXES = ("/api/", "/admin/", "/media/", "/static/")


def policy_for(request) -> str:
    host = request.get_host()
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            f"connect-src 'self' ws://{host} wss://{host}",
            "frame-src " + " ".join(FRAME_SOURCES),
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(SKIPPED_PREFIXES) or "Content-Security-Policy" in response:
            return response
        if response.get("Content-Type", "").startswith("text/html"):
            response["Content-Security-Policy"] = policy_for(request)
        return response


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
