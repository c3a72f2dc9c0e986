from django.urls import path

from safety import api

urlpatterns = [
    path("blocks/", api.BlocksApi.as_view(), name="api-blocks"),
    path("blocks/<str:user_id>/", api.BlockDetailApi.as_view(), name="api-block-detail"),
    path("reports/", api.ReportsApi.as_view(), name="api-reports"),
    path("me/notices/", api.NoticesApi.as_view(), name="api-notices"),
    path(
        "me/notices/<str:action_id>/appeal/",
        api.NoticeAppealApi.as_view(),
        name="api-notice-appeal",
    ),
]
