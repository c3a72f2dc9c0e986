import pytest


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """A cheap hasher keeps these tests quick (passwords play no part in blocks)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _group(name):
    """The group the migration made (re-made if a transactional test flushed it)."""
    import importlib

    from django.contrib.auth.models import Group, Permission

    migration = importlib.import_module("safety.migrations.0004_moderator_groups")
    group, created = Group.objects.get_or_create(name=name)
    if created:
        group.permissions.set(
            [
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in migration.GROUPS[name]
            ]
        )
    return group


@pytest.fixture
def mod_user(db):
    """A staff member in ``Moderators`` only (not a superuser)."""
    from tests.factories import UserFactory

    user = UserFactory(is_staff=True, profile__display_name="Mona Moderator")
    user.groups.add(_group("Moderators"))
    return user


@pytest.fixture
def lead_user(db):
    from tests.factories import UserFactory

    user = UserFactory(is_staff=True, profile__display_name="Lee Lead")
    user.groups.add(_group("Safety leads"))
    return user


@pytest.fixture
def plain_staff(db):
    """Staff outside every group: no permissions at all."""
    from tests.factories import UserFactory

    return UserFactory(is_staff=True, profile__display_name="Sam Staff")
