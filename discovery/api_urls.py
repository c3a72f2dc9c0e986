from django.urls import path

from discovery import api as discovery_api

urlpatterns = [
    path("discover/people/", discovery_api.DiscoverPeopleView.as_view(), name="discover-people"),
    path("discover/rooms/", discovery_api.DiscoverRoomsView.as_view(), name="discover-rooms"),
]
