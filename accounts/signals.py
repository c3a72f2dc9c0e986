"""Signal receivers: a web-page logout closes the sockets opened with that session cookie."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from accounts import services


@receiver(user_logged_out, dispatch_uid="accounts.close_session_sockets")
def close_session_sockets(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    services.session_logged_out(user=user, session_key=getattr(session, "session_key", None))
