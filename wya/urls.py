from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView

from wya.api import api_not_found
from wya.health import healthz
from wya.schema_hooks import SchemaView

handler400 = "wya.api.handler400"
handler403 = "wya.api.handler403"
handler404 = "wya.api.handler404"
handler500 = "wya.api.handler500"

api_patterns = [
    path("", include("accounts.api_urls")),
    path("", include("geo.api_urls")),
    path("", include("safety.api_urls")),
    path("", include("rooms.api_urls")),
    path("", include("discovery.api_urls")),
    path("", include("messaging.api_urls")),
    path("", include("uploads.api_urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # The split view serves its script as a file: the pages' CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("rooms.urls")),
    path("", include("discovery.urls")),
    path("", include("messaging.urls")),
    path("", include("uploads.urls")),
    path("", include("safety.urls")),
    # Last: any other path under /api/ is a JSON 404, in DEBUG too (never Django's HTML page).
    re_path(r"^api/", api_not_found),
]
