from django.urls import path

from geo import api

urlpatterns = [
    path("me/location/", api.MyLocationView.as_view(), name="me-location"),
]
