from django.urls import path

from discovery import views

urlpatterns = [
    path("discover/", views.discover_page, name="discover-page"),
]
