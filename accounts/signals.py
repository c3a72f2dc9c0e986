"""Signal receivers: a web-page logout closes the sockets opened with that session cookie; a
password change ends every token and socket of the account; a new account starts with the
sanctions held on its email address (whatever path created it: API, page, admin, command)."""

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from accounts import services
from accounts.models import User


@receiver(user_logged_out, dispatch_uid="accounts.close_session_sockets")
def close_session_sockets(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    services.session_logged_out(user=user, session_key=getattr(session, "session_key", None))


@receiver(pre_save, sender=User, dispatch_uid="accounts.detect_password_change")
def detect_password_change(sender, instance, raw=False, **kwargs):
    """``set_password`` leaves the raw password in ``_password`` until the save: a save that
    replaces an existing password hash with another one is a password change."""
    instance._password_replaced = False
    if raw or instance._state.adding or getattr(instance, "_password", None) is None:
        return
    old = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_replaced = bool(old) and old != instance.password


@receiver(post_save, sender=User, dispatch_uid="accounts.end_credentials_on_password_change")
def end_credentials_on_password_change(sender, instance, created=False, **kwargs):
    if not created and getattr(instance, "_password_replaced", False):
        instance._password_replaced = False
        services.credentials_changed(user=instance)


@receiver(post_save, sender=User, dispatch_uid="accounts.apply_sanction_holds")
def apply_sanction_holds(sender, instance, created=False, raw=False, **kwargs):
    if created and not raw:
        services.sanction_holds_apply(user=instance)
