"""Server-rendered room pages (docs/pages.md). Thin: Django forms shape the input, the rooms
services decide and write, the rooms selectors read with the rules. A refusal renders the same
status the API gives: 404 when the caller may not know the room, 403 when they may not act."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import display_name_of, profile_value
from messaging import selectors as messaging_selectors
from messaging.selectors import presence_visible_to
from rooms import selectors, services
from rooms.models import DESCRIPTION_MAX, ROOM_NAME_MAX, Role
from wya import ratelimit
from wya.errors import Forbidden, NotFound, ServiceError
from wya.pages import MessageForm, color_field, composer_submit, raise_as_page, submit
from wya.validators import MUSIC_URL_MAX

HISTORY_PAGE = 50
# The create form suggests a colour that stands out from the page (the model's default is the
# page's own dark background).
PAGE_DEFAULT_ROOM_COLOR = "#3D5A80"


class RoomCreateForm(forms.Form):
    room_name = forms.CharField(max_length=ROOM_NAME_MAX, label="Name")
    description = forms.CharField(
        max_length=DESCRIPTION_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_public = forms.BooleanField(required=False, initial=True, label="Public")
    background_color = color_field(initial=PAGE_DEFAULT_ROOM_COLOR, label="Room colour")
    max_participants = forms.IntegerField(
        min_value=2,
        max_value=settings.ALPHA_MAX_ROOM_MEMBERS,
        initial=settings.ALPHA_MAX_ROOM_MEMBERS,
        label="Members at most",
    )


class RoomSettingsForm(RoomCreateForm):
    music_url = forms.CharField(
        max_length=MUSIC_URL_MAX,
        required=False,
        label="Room music (Spotify or SoundCloud link)",
        widget=forms.URLInput(attrs={"placeholder": "https://open.spotify.com/playlist/…"}),
    )


class InviteForm(forms.Form):
    user_id = forms.CharField(max_length=64, label="Invite a person")


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=[(Role.USER, "Member"), (Role.MOD, "Moderator")])


def _access_or_page_error(user, room_id):
    try:
        return selectors.room_access(user, selectors.clean_room_id(room_id))
    except NotFound as error:
        raise Http404(error.detail)


def _refuse_banned(access) -> None:
    if access.is_banned:
        raise PermissionDenied("You are banned from this room.")


def _staff_access_or_page_error(user, room_id):
    """The room for its owner and moderators: 404 if I may not know it, 403 if I am not staff."""
    access = _access_or_page_error(user, room_id)
    _refuse_banned(access)
    try:
        access.require_staff()
    except ServiceError as error:
        raise PermissionDenied(error.detail)
    return access


def _room_create_limited(user, data: dict):
    """The page's room creation, under the same write limits as ``POST /api/rooms/``."""
    ratelimit.check_write(user, "room_create")
    return services.room_create(user=user, **data)


@login_required
@require_http_methods(["GET", "POST"])
def room_list_page(request):
    form = RoomCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        done = submit(form, lambda data: _room_create_limited(request.user, data))
        if done.ok:
            messages.success(request, "Room created.")
            return redirect("room-page", room_id=done.result.pk)
        status = done.status
    rooms = list(selectors.my_rooms(request.user)[:100])
    invites = list(selectors.my_invites(request.user)[:50])
    context = {"memberships": rooms, "form": form, "invites": invites}
    return render(request, "rooms/list.html", context, status=status)


def _member_context(request, access) -> dict:
    """What only members see: the members with presence, the latest history, the live setup."""
    room = access.room
    members = list(selectors.room_members(request.user, access))
    presence = presence_visible_to(request.user, [m.user_id for m in members])
    for membership in members:
        membership.presence = presence.get(membership.user_id)
    page = selectors.room_history(request.user, room.pk, limit=HISTORY_PAGE)
    names = {m.user_id: display_name_of(m.user, "Someone") for m in members}
    avatars = {m.user_id: profile_value(m.user, "avatar_url") for m in members}
    return dict(
        members=members,
        member_count=sum(1 for m in members if not m.is_banned),
        history=[
            {
                "message": message,
                "author": names.get(message.user_id, "Former member"),
                "avatar": avatars.get(message.user_id),
                "mine": message.user_id == request.user.pk,
            }
            for message in page.items
        ],
        has_more=page.has_more,
        live={
            "kind": "room",
            "room_id": room.pk,
            "me": request.user.pk,
            "names": names,
            "avatars": {k: v for k, v in avatars.items() if v},
            "last_id": page.items[-1].id if page.items else 0,
            "history_url": reverse("room-messages", kwargs={"room_id": room.pk}),
            "members_url": reverse("room-members", kwargs={"room_id": room.pk}),
        },
    )


def _room_page_context(request, access, *, form=None) -> dict:
    """Everything the room page shows. A constant number of queries whatever the history size."""
    room = access.room
    context = {
        "room": room,
        "access": access,
        "capacity": selectors.room_capacity(room),
        "is_staff": access.role in selectors.STAFF_ROLES,
        "is_owner": access.role == Role.OWNER,
        "form": form or MessageForm(),
    }
    if not access.is_member:
        context["member_count"] = selectors.member_count(room.pk)
        return context
    context.update(_member_context(request, access))
    return context


@login_required
def room_page(request, room_id):
    access = _access_or_page_error(request.user, room_id)
    _refuse_banned(access)
    return render(request, "rooms/room.html", _room_page_context(request, access))


@login_required
@require_POST
def room_send_page(request, room_id):
    """The composer without JavaScript: the same service as REST and the socket."""
    access = _access_or_page_error(request.user, room_id)
    form, done = composer_submit(
        request,
        lambda text: services.room_message_send(
            user=request.user, room_id=access.room.pk, message=text
        ),
        refuse=raise_as_page,
    )
    if done.ok:
        return redirect("room-page", room_id=access.room.pk)
    _refuse_banned(access)
    context = _room_page_context(request, access, form=form)
    return render(request, "rooms/room.html", context, status=done.status)


def _post_action(request, room_id, action, success: str, *, to_list: bool = False):
    try:
        action()
    except ServiceError as error:
        raise_as_page(error)
        if isinstance(error, Forbidden):
            raise PermissionDenied(error.detail)
        messages.error(request, error.detail)
    else:
        messages.success(request, success)
        if to_list:
            return redirect("room-list")
    return redirect("room-page", room_id=room_id)


@login_required
@require_POST
def room_join_page(request, room_id):
    return _post_action(
        request,
        room_id,
        lambda: services.room_join(user=request.user, room_id=room_id),
        "You joined the room.",
    )


@login_required
@require_POST
def room_invite_decline_page(request, room_id):
    """Decline an invitation (accepting is the join form): silent to the inviter."""
    try:
        services.room_invite_decline(user=request.user, room_id=room_id)
    except NotFound as error:
        raise Http404(error.detail)
    messages.success(request, "Invitation declined.")
    return redirect("room-list")


@login_required
@require_POST
def room_invite_cancel_page(request, room_id, user_id):
    _post_action(
        request,
        room_id,
        lambda: services.room_invite_cancel(actor=request.user, room_id=room_id, user_id=user_id),
        "Invitation withdrawn.",
    )
    return redirect("room-settings", room_id=room_id)


@login_required
@require_POST
def room_leave_page(request, room_id):
    return _post_action(
        request,
        room_id,
        lambda: services.room_leave(user=request.user, room_id=room_id),
        "You left the room.",
        to_list=True,
    )


def _confirm_or_act(request, room_id, user_id, *, verb: str, action, success: str):
    """GET: a confirmation page naming the person; POST: the service, then back to the room."""
    if request.method == "POST":
        access = _access_or_page_error(request.user, room_id)
        _refuse_banned(access)
        return _post_action(request, access.room.pk, action, success)
    access = _staff_access_or_page_error(request.user, room_id)
    members = {m.user_id: m for m in selectors.room_members(request.user, access)}
    target = members.get(user_id)
    if target is None:
        raise Http404("This person is not a member of this room.")
    context = {"room": access.room, "target": target, "verb": verb}
    return render(request, "rooms/confirm.html", context)


def _member_action_page(service, *, success: str, verb: str | None = None):
    """A staff action on one member (``service(actor=, room_id=, user_id=)``): with a ``verb``,
    GET shows a confirmation page naming the person first; without, it is POST only."""

    def page(request, room_id, user_id):
        def action():
            return service(actor=request.user, room_id=room_id, user_id=user_id)

        if verb is None:
            return _post_action(request, room_id, action, success)
        return _confirm_or_act(request, room_id, user_id, verb=verb, action=action, success=success)

    methods = ["POST"] if verb is None else ["GET", "POST"]
    return login_required(require_http_methods(methods)(page))


room_kick_page = _member_action_page(
    services.room_member_kick,
    verb="remove",
    success="Member removed. They can join again if the room is public.",
)
room_ban_page = _member_action_page(
    services.room_member_ban,
    verb="ban",
    success="Member banned. They cannot come back unless you unban them.",
)
room_unban_page = _member_action_page(services.room_member_unban, success="Ban lifted.")


@login_required
@require_POST
def room_role_page(request, room_id, user_id):
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Member or Moderator.")
        return redirect("room-settings", room_id=room_id)
    role = form.cleaned_data["role"]
    _post_action(
        request,
        room_id,
        lambda: services.room_member_set_role(
            actor=request.user, room_id=room_id, user_id=user_id, role=role
        ),
        "Role changed.",
    )
    return redirect("room-settings", room_id=room_id)


def _invite_candidates(user, excluded_ids: set[str]) -> list[dict]:
    """People I may see and could invite: my conversation partners (the DM selector applies the
    policy), minus the room's members and the people already invited."""
    conversations, _more = messaging_selectors.dm_conversations(user, limit=50)
    people = []
    for other, _message in conversations:
        if other.pk in excluded_ids:
            continue
        people.append({"id": other.pk, "name": display_name_of(other, "Someone")})
    return people


def _settings_initial(room) -> dict:
    return {
        "room_name": room.room_name,
        "description": room.description or "",
        "is_public": room.is_public,
        "background_color": room.background_color,
        "max_participants": room.max_participants,
        "music_url": room.music_url or "",
    }


def _settings_post(request, room):
    """The settings page's two forms: invite a person (``action=invite``) or save the room.
    Returns (settings form, invite form, submission, the success notice)."""
    if request.POST.get("action") == "invite":
        invite_form = InviteForm(request.POST)
        done = submit(
            invite_form,
            lambda data: services.room_invite_create(
                actor=request.user, room_id=room.pk, user_id=data["user_id"]
            ),
            error_field="user_id",
        )
        form = RoomSettingsForm(initial=_settings_initial(room))
        return form, invite_form, done, "Invitation sent. They join when they accept it."
    form = RoomSettingsForm(request.POST)
    done = submit(
        form, lambda data: services.room_update(user=request.user, room_id=room.pk, **data)
    )
    return form, InviteForm(), done, "Room settings saved."


@login_required
@require_http_methods(["GET", "POST"])
def room_settings_page(request, room_id):
    """Owner and moderators: edit the room, invite people, change roles, kick/ban/unban."""
    access = _staff_access_or_page_error(request.user, room_id)
    room = access.room
    status = 200
    if request.method == "POST":
        form, invite_form, done, success = _settings_post(request, room)
        if done.ok:
            messages.success(request, success)
            return redirect("room-settings", room_id=room.pk)
        status = done.status
    else:
        form, invite_form = RoomSettingsForm(initial=_settings_initial(room)), InviteForm()
    members = list(selectors.room_members(request.user, access))
    invites = list(selectors.room_invites(room.pk)[:100])
    excluded = {m.user_id for m in members} | {invite.invitee_id for invite in invites}
    context = {
        "room": room,
        "access": access,
        "form": form,
        "invite_form": invite_form,
        "members": members,
        "invites": invites,
        "is_owner": access.role == Role.OWNER,
        "candidates": _invite_candidates(request.user, excluded),
    }
    return render(request, "rooms/settings.html", context, status=status)
