"""Security headers on every response: a Content-Security-Policy on pages (the app itself plus
the Spotify and SoundCloud embeds), a locked-down one on API and other non-HTML responses, and
Permissions-Policy. HSTS, nosniff, Referrer-Policy and COOP come from Django's SecurityMiddleware
(settings), X-Frame-Options from the clickjacking middleware. A response that set its own CSP
(media files: ``sandbox``) keeps it."""

from django.conf import settings

PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Templates carry inline style attributes (room colours); no inline script is allowed.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "media-src 'self'",
        # 'self' covers ws:// and wss:// to the same host (CSP level 3).
        "connect-src 'self'",
        "frame-src https://open.spotify.com https://w.soundcloud.com",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def csp_for(request, response) -> str:
    if response.get("Content-Type", "").startswith("text/html"):
        return PAGE_CSP
    return API_CSP


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = csp_for(request, response)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("X-Content-Type-Options", "nosniff")
        if settings.SECURE_REFERRER_POLICY:
            response.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        return response
