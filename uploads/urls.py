from django.urls import path

from uploads import api as media_api

urlpatterns = [
    path("api/media/", media_api.MediaUploadView.as_view(), name="media-upload"),
    path("media/<str:name>", media_api.serve_media, name="media-serve"),
]
