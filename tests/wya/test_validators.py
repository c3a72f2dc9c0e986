"""The formats several apps share (``wya.validators``), checked once here; the paths that use
them (profiles, rooms, DMs, the socket) are tested in their own apps."""

import pytest
from django.core.exceptions import ValidationError

from wya.errors import Invalid
from wya.validators import MEDIA_URL_MAX, MESSAGE_MAX, clean_message, validate_color


@pytest.mark.parametrize("value", ["#7A5AF8", "#1a1a1e", "#000000"])
def test_a_colour_of_the_form_rrggbb_is_accepted(value):
    validate_color(value)


@pytest.mark.parametrize("value", ["7A5AF8", "#7A5AF", "#7A5AF88", "#GGGGGG", "#7A5AF8\n", None, 7])
def test_anything_else_is_not_a_colour(value):
    with pytest.raises(ValidationError):
        validate_color(value)


def test_message_text_is_stripped_and_empty_media_is_none():
    assert clean_message("  hi \n", "") == ("hi", None)
    assert clean_message(None, "/media/x.png") == ("", "/media/x.png")


@pytest.mark.parametrize(
    ("message", "media_url"),
    [
        ("a\x00b", None),
        ("hi", "/media/\x00.png"),
        ("   ", None),
        ("x" * (MESSAGE_MAX + 1), None),
        ("hi", "x" * (MEDIA_URL_MAX + 1)),
        (5, None),
        ("hi", 5),
    ],
)
def test_bad_message_text_is_invalid(message, media_url):
    with pytest.raises(Invalid):
        clean_message(message, media_url)
