"""ASGI entry point: HTTP goes to Django; WebSockets at /ws/ pass the Origin and auth gate."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wya.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from messaging.routing import websocket_urlpatterns  # noqa: E402
from messaging.ws_gate import WebSocketGate  # noqa: E402
from wya import server_hardening  # noqa: E402
from wya.bodylimit import BodySizeLimit  # noqa: E402

server_hardening.apply()

# In DEBUG any ASGI server (runserver, or daphne run directly for several processes) serves the
# static files, as runserver does; in production WhiteNoise serves the collected ones.
http_app = BodySizeLimit(
    ASGIStaticFilesHandler(django_asgi_app) if settings.DEBUG else django_asgi_app
)

application = ProtocolTypeRouter(
    {
        "http": http_app,
        "websocket": SessionMiddlewareStack(WebSocketGate(URLRouter(websocket_urlpatterns))),
    }
)
