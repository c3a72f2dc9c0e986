"""GET /api/discover/rooms/ — thin view over rooms.discovery."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from geo.api import DiscoveryParams
from rooms import discovery


class DiscoveredRoomSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    room_name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    background_color = serializers.CharField()
    member_count = serializers.IntegerField()
    capacity = serializers.IntegerField()


class DiscoveredRoomsSerializer(serializers.Serializer):
    neighborhood = DiscoveredRoomSerializer(many=True)
    city = DiscoveredRoomSerializer(many=True)
    nearby = DiscoveredRoomSerializer(many=True)


class DiscoverRoomsView(APIView):
    @extend_schema(
        parameters=[DiscoveryParams],
        responses=DiscoveredRoomsSerializer,
    )
    def get(self, request):
        params = DiscoveryParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(
            discovery.discover_rooms(request.user, limit=params.validated_data["limit"])
        )
