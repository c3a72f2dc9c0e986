from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/register/", api.RegisterApi.as_view(), name="api-register"),
    path("auth/login/", api.LoginApi.as_view(), name="api-login"),
    path("auth/logout/", api.LogoutApi.as_view(), name="api-logout"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("me/safety-settings/", api.SafetySettingsApi.as_view(), name="api-safety-settings"),
    path("users/<str:user_id>/", api.UserDetailApi.as_view(), name="api-user-detail"),
]
