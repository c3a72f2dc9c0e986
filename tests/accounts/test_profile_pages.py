"""The people pages (docs/pages.md): sign-up errors at the field, home by tier, my profile with
uploads through the media service, a real colour picker and the music player under the CSP,
another person's profile with Message/Block/Report, my blocks, password change, error pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Profile
from geo import services as geo_services
from safety.models import Block
from tests.accounts.media_helpers import png_bytes, wav_bytes
from tests.conftest import page_client_for
from tests.factories import (
    PASSWORD,
    TeenFactory,
    UserFactory,
    birth_date_for_age,
    registration_data,
)
from wya.security import API_CSP

pytestmark = pytest.mark.django_db


# --- Sign-up -----------------------------------------------------------------------------------
def test_an_under_13_date_is_refused_at_the_date_field_not_in_a_box_at_the_top(client):
    response = client.post(
        "/register/", registration_data(date_of_birth=birth_date_for_age(12).isoformat())
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert response.context["form"].errors["date_of_birth"] == [
        "You must be at least 13 years old to use WYA!?."
    ]
    assert not response.context["form"].non_field_errors()
    assert 'aria-describedby="id_date_of_birth_helptext id_date_of_birth_error"' in html


def test_a_taken_email_and_a_weak_password_are_shown_at_their_fields(client, adult):
    taken = client.post("/register/", registration_data(email=adult.email))
    weak = client.post("/register/", registration_data(email="new@example.test", password="123"))

    assert "email" in taken.context["form"].errors
    assert "password" in weak.context["form"].errors
    assert "password:" not in weak.content.decode()  # no "field: message" prefix


# --- Home ----------------------------------------------------------------------------------------
def test_the_signed_out_home_page_has_a_sign_up_link(client):
    html = client.get("/").content.decode()

    assert 'href="/register/"' in html and 'id="signup-link"' in html


def test_home_without_a_location_explains_it_and_links_to_setting_one(adult):
    html = page_client_for(adult).get("/").content.decode()

    assert 'id="location-prompt"' in html
    assert 'href="/discover/" id="set-location"' in html


def test_home_lists_people_near_me_by_tier_with_avatars_and_never_across_segments(adult):
    neighbour = UserFactory(profile__display_name="Nina Neighbour")
    teen = TeenFactory(profile__display_name="Tim Teen")
    for someone in (adult, neighbour, teen):
        geo_services.location_set(user=someone, city="Porto", neighborhood="Ribeira")

    html = page_client_for(adult).get("/").content.decode()

    assert 'id="tier-neighborhood"' in html
    assert "Nina Neighbour" in html
    assert "Tim Teen" not in html
    assert 'class="avatar"' in html


# --- My profile ------------------------------------------------------------------------------
def profile_form(**changes):
    data = {"action": "profile", "display_name": "Ada", "theme_color": "#123456"}
    data.update(changes)
    return data


def test_avatar_and_banner_files_are_uploaded_through_the_media_service(adult):
    client = page_client_for(adult)
    response = client.post(
        "/me/",
        profile_form(
            avatar=SimpleUploadedFile("me.png", png_bytes(), "image/png"),
            banner=SimpleUploadedFile("wide.png", png_bytes(), "image/png"),
        ),
    )

    assert response.status_code == 302
    profile = Profile.objects.get(user=adult)
    assert profile.avatar_url.startswith("/media/") and profile.banner_url.startswith("/media/")
    assert client.get(profile.avatar_url).status_code == 200


def test_a_sound_file_is_refused_as_an_avatar_at_the_field(adult):
    response = page_client_for(adult).post(
        "/me/", profile_form(avatar=SimpleUploadedFile("x.wav", wav_bytes(), "audio/wav"))
    )

    assert response.status_code == 400
    assert "avatar" in response.context["form"].errors
    assert Profile.objects.get(user=adult).avatar_url is None


def test_the_avatar_can_be_removed(adult):
    client = page_client_for(adult)
    client.post("/me/", profile_form(avatar=SimpleUploadedFile("me.png", png_bytes(), "image/png")))

    client.post("/me/", profile_form(remove_avatar="on"))

    assert Profile.objects.get(user=adult).avatar_url is None


def test_the_theme_colour_is_a_real_colour_picker_and_colours_the_profile_page(adult, other_adult):
    page_client_for(adult).post("/me/", profile_form(theme_color="#F5D547"))

    me = page_client_for(adult).get("/me/").content.decode()
    profile = page_client_for(other_adult).get(f"/u/{adult.pk}/").content.decode()

    assert 'type="color"' in me
    assert "--theme: #F5D547; --theme-ink: #000000" in profile


def test_spotify_and_soundcloud_links_become_the_official_players(adult, other_adult):
    client = page_client_for(adult)
    client.post(
        "/me/",
        profile_form(profile_music_url="https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"),
    )
    spotify = page_client_for(other_adult).get(f"/u/{adult.pk}/").content.decode()
    client.post("/me/", profile_form(profile_music_url="https://soundcloud.com/forss/flickermood"))
    soundcloud = page_client_for(other_adult).get(f"/u/{adult.pk}/").content.decode()

    assert 'src="https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC"' in spotify
    assert (
        'src="https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fforss%2Fflickermood'
        in soundcloud
    )


def test_pages_carry_a_csp_that_frames_only_spotify_and_soundcloud(adult):
    response = page_client_for(adult).get(f"/u/{adult.pk}/")

    csp = response["Content-Security-Policy"]
    assert "frame-src https://open.spotify.com https://w.soundcloud.com;" in csp
    assert "script-src 'self';" in csp
    # API answers carry the locked-down policy instead (wya.security): nothing runs or frames
    assert page_client_for(adult).get("/api/me/")["Content-Security-Policy"] == API_CSP


# --- Another person's profile, blocks ---------------------------------------------------------
def test_another_persons_profile_has_message_block_and_report(adult, other_adult):
    html = page_client_for(adult).get(f"/u/{other_adult.pk}/").content.decode()

    assert f'href="/dms/{other_adult.pk}/" id="message-link"' in html
    assert f'action="/u/{other_adult.pk}/block/"' in html
    assert f'href="/reports/new/?user={other_adult.pk}" id="report-link"' in html


def test_blocking_from_the_profile_lists_them_on_my_blocks_page_and_unblock_lifts_it(
    adult, other_adult
):
    client = page_client_for(adult)

    response = client.post(f"/u/{other_adult.pk}/block/")

    assert response["Location"] == "/me/blocks/"
    assert Block.objects.filter(blocker=adult, blocked=other_adult).exists()
    assert "Otto Other" in client.get("/me/blocks/").content.decode()
    assert client.get(f"/u/{other_adult.pk}/").status_code == 404
    client.post(f"/me/blocks/{other_adult.pk}/unblock/")
    assert not Block.objects.exists()


def test_blocking_someone_i_may_not_see_is_404(adult, minor):
    assert page_client_for(adult).post(f"/u/{minor.pk}/block/").status_code == 404
    assert not Block.objects.exists()


def test_the_password_change_page_changes_the_password_and_keeps_me_logged_in(adult):
    client = page_client_for(adult)
    response = client.post(
        "/me/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )

    assert response.status_code == 302
    adult.refresh_from_db()
    assert adult.check_password("another-long-passphrase")
    assert client.get("/me/").status_code == 200


# --- Layout and errors ---------------------------------------------------------------------------
def test_the_header_links_my_name_to_my_profile_and_has_a_skip_link(adult):
    html = page_client_for(adult).get("/rooms/").content.decode()

    assert 'href="#main"' in html and 'id="main"' in html
    assert 'href="/me/" class="me-link"' in html
    assert 'id="unread-badge"' in html


def test_an_unknown_page_is_the_apps_404_page_even_in_debug(adult, settings):
    settings.DEBUG = True

    response = page_client_for(adult).get("/no/such/page/")

    assert response.status_code == 404
    assert 'class="error-page"' in response.content.decode()


def test_a_refused_page_is_the_apps_403_page(room, member):
    response = page_client_for(member).get(f"/rooms/{room.pk}/settings/")

    assert response.status_code == 403
    assert 'class="error-page"' in response.content.decode()
