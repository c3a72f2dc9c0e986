"""``createsuperuser`` that also gives the account its profile and display name.

The display name lives on the profile, not on the user, so Django's command never asked for it:
``--noinput`` ignored ``DJANGO_SUPERUSER_DISPLAY_NAME`` and left the superuser without a
profile. This command takes ``--display-name`` (or that variable, or asks interactively) and
writes the profile through ``accounts.services.profile_update`` like every other path.
(``accounts`` comes before ``django.contrib.auth`` in INSTALLED_APPS so that this one runs.)
"""

import os

from django.contrib.auth.management.commands import createsuperuser
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from accounts import services
from accounts.models import User
from accounts.validators import clean_display_name
from wya.errors import ServiceError

ENV_NAME = "DJANGO_SUPERUSER_DISPLAY_NAME"
# Not "Admin": reserved words are refused in display names on every path (staff are shown as
# staff by the pages' own badge, never by their name).
DEFAULT_DISPLAY_NAME = "Site owner"


class Command(createsuperuser.Command):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--display-name",
            dest="display_name",
            default=None,
            help=f"The profile's display name (else ${ENV_NAME}, else asked, else 'Admin').",
        )

    def handle(self, *args, **options):
        display_name = options.get("display_name") or os.environ.get(ENV_NAME)
        if not display_name and options.get("interactive"):
            display_name = input("Display name: ").strip()
        display_name = display_name or DEFAULT_DISPLAY_NAME
        try:  # checked before the account is created: a refused name leaves nothing behind
            clean_display_name(display_name)
        except ValidationError as error:
            raise CommandError(f"display name: {' '.join(error.messages)}") from error
        before = set(User.objects.filter(is_superuser=True).values_list("pk", flat=True))
        super().handle(*args, **options)
        created = User.objects.filter(is_superuser=True).exclude(pk__in=before).first()
        if created is None:
            return
        try:
            services.profile_update(user=created, display_name=display_name)
        except ServiceError as error:
            raise CommandError(f"display name: {error.detail}") from error
