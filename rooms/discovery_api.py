"""GET /api/discover/rooms/ — thin view over rooms.discovery."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from geo.api import DiscoveryParams
from geo.selectors import TIERS
from rooms import discovery


def _room_list():
    return inline_serializer(
        "DiscoveredRoom",
        {
            "id": serializers.IntegerField(),
            "room_name": serializers.CharField(),
            "description": serializers.CharField(allow_null=True),
            "background_color": serializers.CharField(),
            "member_count": serializers.IntegerField(),
            "capacity": serializers.IntegerField(),
        },
        many=True,
    )


class DiscoverRoomsView(APIView):
    @extend_schema(
        parameters=[DiscoveryParams],
        responses=inline_serializer("DiscoveredRooms", {tier: _room_list() for tier in TIERS}),
    )
    def get(self, request):
        params = DiscoveryParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(
            discovery.discover_rooms(request.user, limit=params.validated_data["limit"])
        )
