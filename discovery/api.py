"""GET /api/discover/people/ and /api/discover/rooms/: thin views over ``discovery.selectors``."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from discovery import selectors as discovery
from geo import selectors as geo_selectors


class DiscoveryParams(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=geo_selectors.MAX_LIMIT,
        default=geo_selectors.DEFAULT_LIMIT,
    )


class DiscoveredPersonOutput(serializers.Serializer):
    id = serializers.CharField()
    display_name = serializers.CharField()
    avatar_url = serializers.CharField(allow_null=True)
    theme_color = serializers.CharField()
    location = serializers.CharField(allow_null=True)


def tiered(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The response shape of every discovery endpoint: the same items in the three tiers."""
    fields = {tier: item(many=True) for tier in geo_selectors.TIERS}
    return type(name, (serializers.Serializer,), fields)


class TieredDiscoveryView(APIView):
    """GET: the caller's candidates in tiers, no distances. Subclasses name the selector."""

    @staticmethod
    def discover(user, *, limit: int) -> dict:
        raise NotImplementedError

    def get(self, request):
        params = DiscoveryParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(self.discover(request.user, limit=params.validated_data["limit"]))


@extend_schema(
    tags=["geo"],
    parameters=[DiscoveryParams],
    responses=tiered(DiscoveredPersonOutput, "DiscoveredPeople"),
)
class DiscoverPeopleView(TieredDiscoveryView):
    """GET /api/discover/people/ — visible people grouped in tiers, no distances."""

    discover = staticmethod(discovery.discover_people)


class DiscoveredRoomOutput(serializers.Serializer):
    id = serializers.IntegerField()
    room_name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    background_color = serializers.CharField()
    member_count = serializers.IntegerField()
    capacity = serializers.IntegerField()


@extend_schema(
    tags=["discovery"],
    parameters=[DiscoveryParams],
    responses=tiered(DiscoveredRoomOutput, "DiscoveredRooms"),
)
class DiscoverRoomsView(TieredDiscoveryView):
    """GET /api/discover/rooms/ — public rooms with space, in tiers by the owner's location."""

    discover = staticmethod(discovery.discover_rooms)
