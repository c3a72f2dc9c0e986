from django.urls import path

from geo import views

urlpatterns = [
    path("discover/", views.discover_page, name="discover-page"),
]
