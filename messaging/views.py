"""Server-rendered direct-message pages (docs/pages.md). Thin: the messaging selectors decide who
may be seen (404 otherwise, as the API), ``messaging.services.dm_send`` writes."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import display_name_of, profile_value
from messaging import selectors, services
from wya.errors import Invalid, NotFound
from wya.pages import MessageForm, composer_submit, raise_as_page

HISTORY_PAGE = 50


def _partner_or_404(viewer, user_id):
    try:
        return selectors.dm_partner_for(viewer, user_id)
    except (NotFound, Invalid) as error:  # unknown, not visible, or myself
        raise Http404(error.detail)


@login_required
def dm_list_page(request):
    conversations, has_more = selectors.dm_conversations(request.user, limit=HISTORY_PAGE)
    due = selectors.first_contact_due_ids(request.user, [other for other, _ in conversations])
    rows = [
        {
            "user": other,
            "last_message": message,
            "mine": message.sender_id == request.user.pk,
            "first_contact": other.pk in due,
        }
        for other, message in conversations
    ]
    return render(request, "messaging/dm_list.html", {"rows": rows, "has_more": has_more})


def _history_rows(request, thread, names: dict, avatars: dict) -> list[dict]:
    return [
        {
            "message": message,
            "author": names.get(message.sender_id, "Someone"),
            "avatar": avatars.get(message.sender_id),
            "mine": message.sender_id == request.user.pk,
            "blurred": message.id in thread.blurred_ids,
        }
        for message in thread.page.items
    ]


def _first_message_from(other, history: list[dict]) -> int | None:
    """The first message of ``other`` on the page: what the prompt's Report button reports."""
    return next(
        (row["message"].id for row in history if row["message"].sender_id == other.pk), None
    )


def _thread_context(request, other, *, form=None) -> dict:
    thread = selectors.dm_thread(request.user, other, limit=HISTORY_PAGE)
    items = thread.page.items
    other_name = display_name_of(other, "Someone")
    names = {other.pk: other_name, request.user.pk: display_name_of(request.user, "Me")}
    avatars = {
        other.pk: profile_value(other, "avatar_url"),
        request.user.pk: profile_value(request.user, "avatar_url"),
    }
    history = _history_rows(request, thread, names, avatars)
    return {
        "other": other,
        "other_name": other_name,
        "form": form or MessageForm(),
        "history": history,
        "has_more": thread.page.has_more,
        "first_contact": thread.first_contact,
        "first_message_id": _first_message_from(other, history),
        "live": {
            "kind": "dm",
            "to": other.pk,
            "me": request.user.pk,
            "names": names,
            "avatars": {k: v for k, v in avatars.items() if v},
            "last_id": items[-1].id if items else 0,
            "history_url": reverse("dm-messages", kwargs={"user_id": other.pk}),
        },
    }


@login_required
def dm_thread_page(request, user_id):
    other = _partner_or_404(request.user, user_id)
    return render(request, "messaging/dm_thread.html", _thread_context(request, other))


@login_required
@require_POST
def dm_send_page(request, user_id):
    """The composer without JavaScript: the same ``dm_send`` as REST and the socket."""
    other = _partner_or_404(request.user, user_id)
    form, done = composer_submit(
        request,
        lambda text: services.dm_send(sender=request.user, recipient_id=other.pk, message=text),
        refuse=raise_as_page,
    )
    if done.ok:
        return redirect("dm-thread", user_id=other.pk)
    context = _thread_context(request, other, form=form)
    return render(request, "messaging/dm_thread.html", context, status=done.status)


@login_required
@require_POST
def first_contact_dismiss_page(request, user_id):
    """The prompt's "Got it" without JavaScript: the same service as REST."""
    other = _partner_or_404(request.user, user_id)
    services.first_contact_dismiss(user=request.user, other_id=other.pk)
    return redirect("dm-thread", user_id=other.pk)
