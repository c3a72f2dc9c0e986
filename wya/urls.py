from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from wya.health import healthz

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
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("rooms.urls")),
    path("", include("discovery.urls")),
    path("", include("messaging.urls")),
    path("", include("uploads.urls")),
]
