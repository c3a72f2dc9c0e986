"""Id-cursor pages for message histories (``before``, ``after``, ``limit`` ≤ 100).

Pages are always returned in ascending id order. ``after`` reads forwards from an id (catch-up
after a reconnect); ``before`` reads backwards from an id (scrolling up); neither gives the newest
page. The query is one ``LIMIT`` on an index, so its cost does not depend on the history length.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from rest_framework import serializers

MAX_LIMIT = 100
DEFAULT_LIMIT = 50


class CursorParams(serializers.Serializer):
    before = serializers.IntegerField(required=False, min_value=1)
    after = serializers.IntegerField(required=False, min_value=0)
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT
    )

    def validate(self, attrs):
        if "before" in attrs and "after" in attrs:
            raise serializers.ValidationError("Use either before or after, not both.")
        return attrs


@dataclass
class CursorPage:
    items: list
    has_more: bool


def parse_cursor(query_params) -> dict:
    params = CursorParams(data=query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


def cursor_page(queryset: QuerySet, *, before=None, after=None, limit=DEFAULT_LIMIT) -> CursorPage:
    if after is not None:
        rows = list(queryset.filter(id__gt=after).order_by("id")[: limit + 1])
        return CursorPage(items=rows[:limit], has_more=len(rows) > limit)
    if before is not None:
        queryset = queryset.filter(id__lt=before)
    rows = list(queryset.order_by("-id")[: limit + 1])
    has_more = len(rows) > limit
    return CursorPage(items=list(reversed(rows[:limit])), has_more=has_more)
