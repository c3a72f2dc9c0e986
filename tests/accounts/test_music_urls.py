"""``wya.validators.music_provider_for``: the one Spotify/SoundCloud rule (profiles and rooms)."""

import pytest
from django.core.exceptions import ValidationError

from wya.validators import music_provider_for


@pytest.mark.parametrize(
    "url, provider",
    [
        ("https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC", "spotify"),
        ("https://open.spotify.com/album/1DFixLWuPkv3KT3TnV35m3?si=abc", "spotify"),
        ("https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M", "spotify"),
        ("https://open.spotify.com/artist/0OdUWJ0sBjDrqHygGUXeCF", "spotify"),
        ("https://open.spotify.com/episode/512ojhOuo1ktJprKbVcKyQ", "spotify"),
        ("https://open.spotify.com/show/2MAi0BvDc6GTFvKFPXnkCL", "spotify"),
        ("https://open.spotify.com/intl-de/track/4uLU6hMCjMI75M1A2tKUQC", "spotify"),
        ("https://soundcloud.com/forss/flickermood", "soundcloud"),
        ("https://soundcloud.com/forss/sets/soulhack", "soundcloud"),
        ("https://www.soundcloud.com/forss", "soundcloud"),
    ],
)
def test_spotify_and_soundcloud_links_are_recognised(url, provider):
    assert music_provider_for(url) == provider


@pytest.mark.parametrize(
    "url",
    [
        "http://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",  # not https
        "https://open.spotify.com/user/someone",  # not a playable kind
        "https://open.spotify.com/track/",  # no id
        "https://open.spotify.com/track/abc/extra",
        "https://open.spotify.com.evil.example/track/4uLU6hMCjMI75M1A2tKUQC",
        "https://evil.example/open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
        "https://user:pass@open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
        "https://open.spotify.com:8443/track/4uLU6hMCjMI75M1A2tKUQC",
        "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
        "https://soundcloud.com/",
        "https://soundcloud.com.evil.example/forss/flickermood",
        "https://on.soundcloud.com/abc",  # redirecting short links are not accepted
        "javascript:alert(1)",
        "https://soundcloud.com/forss/flicker mood",
        "",
        "https://soundcloud.com/" + "a" * 600,
    ],
)
def test_other_links_are_refused(url):
    with pytest.raises(ValidationError):
        music_provider_for(url)


def test_a_non_string_is_refused():
    with pytest.raises(ValidationError):
        music_provider_for(None)
