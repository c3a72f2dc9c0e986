from django.urls import path

from uploads import api

urlpatterns = [
    path("media/", api.MediaUploadView.as_view(), name="media-upload"),
]
