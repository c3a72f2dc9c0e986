from django.urls import path

from uploads import api as media_api

urlpatterns = [
    path("media/<str:name>", media_api.serve_media, name="media-serve"),
]
