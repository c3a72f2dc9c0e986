"""GET /api/discover/rooms/ — thin view over rooms.discovery."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from discovery import selectors as discovery
from geo.api import DiscoveryParams, TieredDiscoveryView, tiered


class DiscoveredRoomSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    room_name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    background_color = serializers.CharField()
    member_count = serializers.IntegerField()
    capacity = serializers.IntegerField()


@extend_schema(
    parameters=[DiscoveryParams], responses=tiered(DiscoveredRoomSerializer, "DiscoveredRooms")
)
class DiscoverRoomsView(TieredDiscoveryView):
    """GET /api/discover/rooms/ — public rooms with space, in tiers by the owner's location."""

    discover = staticmethod(discovery.discover_rooms)
