"""Thin REST views of the location feature: the caller's own location (discovery is
``discovery.api``)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from geo import selectors, services
from safety import policy
from wya.api import StrictSerializer, no_body
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


class LocationInput(StrictSerializer):
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

    @extend_schema(tags=["geo"], request=LocationInput, responses=LocationOutput)
    def put(self, request):
        data = LocationInput(data=request.data)
        data.is_valid(raise_exception=True)
        location = services.location_set(user=request.user, **data.validated_data)
        return Response(LocationOutput(location).data)

    @extend_schema(tags=["geo"], responses=LocationOutput)
    def get(self, request):
        location, expired = selectors.location_state(request.user)
        if expired:  # a teen's location after TEEN_LOCATION_TTL_HOURS: not set, and says why
            raise NotFound(
                selectors.EXPIRED_DETAIL % policy.teen_location_ttl_hours(),
                code="location_not_set",
            )
        if location is None:
            raise NotFound("You have not set a location.", code="location_not_set")
        return Response(LocationOutput(location).data)

    @extend_schema(tags=["geo"], responses={204: None})
    def delete(self, request):
        no_body(request)
        services.location_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
