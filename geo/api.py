"""Thin REST views of the location feature: own location and people discovery."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from geo import selectors, services
from wya.errors import NotFound


@extend_schema_field(OpenApiTypes.NUMBER)
class CoordinateField(serializers.Field):
    """A number (or numeric text). Its errors never repeat the value that was sent."""

    default_error_messages = {"invalid": "Must be a number."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            self.fail("invalid")
        try:
            return float(data)
        except (TypeError, ValueError, OverflowError):
            self.fail("invalid")

    def to_representation(self, value):
        return float(value)


class LocationInput(serializers.Serializer):
    city = serializers.CharField(max_length=100)
    neighborhood = serializers.CharField(
        max_length=100, required=False, allow_null=True, allow_blank=True
    )
    latitude = CoordinateField(required=False, allow_null=True)
    longitude = CoordinateField(required=False, allow_null=True)


class LocationOutput(serializers.Serializer):
    city_hash = serializers.CharField()
    neighborhood_hash = serializers.CharField(allow_null=True)
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class MyLocationView(APIView):
    """PUT, GET, DELETE /api/me/location/ — only hashes and snapped cell centres come back."""

    @extend_schema(request=LocationInput, responses=LocationOutput)
    def put(self, request):
        data = LocationInput(data=request.data)
        data.is_valid(raise_exception=True)
        location = services.location_set(user=request.user, **data.validated_data)
        return Response(LocationOutput(location).data)

    @extend_schema(responses=LocationOutput)
    def get(self, request):
        location = selectors.location_of(request.user)
        if location is None:
            raise NotFound("You have not set a location.", code="location_not_set")
        return Response(LocationOutput(location).data)

    @extend_schema(responses={204: None})
    def delete(self, request):
        services.location_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DiscoveryParams(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=selectors.MAX_LIMIT,
        default=selectors.DEFAULT_LIMIT,
    )


class DiscoveredPersonSerializer(serializers.Serializer):
    id = serializers.CharField()
    display_name = serializers.CharField()
    avatar_url = serializers.CharField(allow_null=True)
    theme_color = serializers.CharField()
    location = serializers.CharField(allow_null=True)


def tiered(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The response shape of every discovery endpoint: the same items in the three tiers."""
    fields = {tier: item(many=True) for tier in selectors.TIERS}
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
    parameters=[DiscoveryParams], responses=tiered(DiscoveredPersonSerializer, "DiscoveredPeople")
)
class DiscoverPeopleView(TieredDiscoveryView):
    """GET /api/discover/people/ — visible people grouped in tiers, no distances."""

    discover = staticmethod(selectors.discover_people)
