from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", authentication_form=LoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register_page, name="register"),
    path("me/", views.me_page, name="me"),
    path("me/password/", views.PasswordChangePage.as_view(), name="password-change"),
    path("me/blocks/", views.blocks_page, name="blocks-page"),
    path("me/blocks/<str:user_id>/unblock/", views.unblock_page, name="unblock-page"),
    path("u/<str:user_id>/", views.user_page, name="user-profile"),
    path("u/<str:user_id>/block/", views.block_page, name="block-page"),
]
