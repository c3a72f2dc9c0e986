"""The restraint matrix (``tests/safety/matrix.py``): every action × every restraint through REST
(APIClient), the socket (WebsocketCommunicator) and the page form where one exists, each cell
asserting the documented answer; and the table in docs/moderation.md equals the generated one.

One world per cell: the actor A (adult), a peer P and a room owner O (both teens when the
restraint is "other segment"); O's public room "theirs" (P a member; A a member unless banned
from it / not a member / of the other segment), O's public room "open" (A not in it), A's own
public and private rooms. The owner actions run on A's room, or on "theirs" where the
restraint is about the room (banned from it, not a member)."""

import io
from dataclasses import dataclass

import pytest
from channels.db import database_sync_to_async as sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.services import account_ban, account_tombstone
from messaging.tickets import ticket_issue
from rooms.models import ChatRoom
from tests.conftest import api_client_for, page_client_for
from tests.factories import (
    BlockFactory,
    MemberFactory,
    ModerationActionFactory,
    RoomFactory,
    TeenFactory,
    UserFactory,
)
from tests.messaging.live_helpers import WAIT, request, send
from tests.safety import matrix
from wya.asgi import application

ROOM_RESTRAINTS = ("room_banned", "not_member")


@dataclass
class World:
    actor: object
    peer: object
    owner: object
    theirs: ChatRoom
    open: ChatRoom
    own: ChatRoom
    own_private: ChatRoom
    restraint: str

    @property
    def staff_room(self) -> ChatRoom:
        return self.theirs if self.restraint in ROOM_RESTRAINTS else self.own

    @property
    def staff_private_room(self) -> ChatRoom:
        return self.theirs if self.restraint in ROOM_RESTRAINTS else self.own_private


def build_world(restraint: str, action: str) -> World:
    other = restraint == "other_segment"
    person = TeenFactory if other else UserFactory
    actor, peer, owner = UserFactory(), person(), person()
    theirs, open_room = RoomFactory(owner=owner), RoomFactory(owner=owner)
    MemberFactory(room=theirs, user=peer)
    if restraint == "room_banned":
        MemberFactory(room=theirs, user=actor, is_banned=True)
        MemberFactory(room=open_room, user=actor, is_banned=True)
    elif restraint not in ("not_member", "other_segment"):
        MemberFactory(room=theirs, user=actor)
    world = World(
        actor=actor,
        peer=peer,
        owner=owner,
        theirs=theirs,
        open=open_room,
        own=RoomFactory(owner=actor),
        own_private=RoomFactory(owner=actor, is_public=False),
        restraint=restraint,
    )
    if world.staff_room == world.own and not other and action in ("kick", "ban", "role", "unban"):
        MemberFactory(room=world.own, user=peer, is_banned=action == "unban")
    return world


def restrain(world: World) -> None:
    """Apply the restraint on the actor (after their clients logged in: credentials must die)."""
    actor, peer, restraint = world.actor, world.peer, world.restraint
    if restraint in ("muted", "restricted"):
        kind = "mute" if restraint == "muted" else "restrict"
        ModerationActionFactory(target_user=actor, action_type=kind, duration_minutes=60)
    elif restraint == "platform_banned":
        staff = UserFactory(is_staff=True, is_superuser=True)
        account_ban(moderator=staff, user=actor, reason="Spam.")
    elif restraint == "deleted":
        account_tombstone(user=actor)
    elif restraint == "blocked_by_me":
        BlockFactory(blocker=actor, blocked=peer)
    elif restraint == "blocked_me":
        BlockFactory(blocker=peer, blocked=actor)


# --- REST -------------------------------------------------------------------------------------
def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (26, 26, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("pic.png", buffer.getvalue(), content_type="image/png")


def _member_url(w: World, verb: str = "") -> str:
    return f"/api/rooms/{w.staff_room.pk}/members/{w.peer.pk}/" + (f"{verb}/" if verb else "")


REST = {
    "room_send": lambda c, w: c.post(
        f"/api/rooms/{w.theirs.pk}/messages/", {"message": "hi"}, format="json"
    ),
    "dm": lambda c, w: c.post(f"/api/dms/{w.peer.pk}/messages/", {"message": "hi"}, format="json"),
    "join": lambda c, w: c.post(f"/api/rooms/{w.open.pk}/join/"),
    "leave": lambda c, w: c.post(f"/api/rooms/{w.theirs.pk}/leave/"),
    "create_room": lambda c, w: c.post("/api/rooms/", {"room_name": "New"}, format="json"),
    "rename": lambda c, w: c.patch(
        f"/api/rooms/{w.staff_room.pk}/",
        {"room_name": "URGENT", "description": "from the Safety Team"},
        format="json",
    ),
    "visibility": lambda c, w: c.patch(
        f"/api/rooms/{w.staff_private_room.pk}/", {"is_public": True}, format="json"
    ),
    "add_member": lambda c, w: c.post(
        f"/api/rooms/{w.staff_room.pk}/members/", {"user_id": w.peer.pk}, format="json"
    ),
    "kick": lambda c, w: c.post(_member_url(w, "kick")),
    "ban": lambda c, w: c.post(_member_url(w, "ban")),
    "unban": lambda c, w: c.post(_member_url(w, "unban")),
    "role": lambda c, w: c.patch(_member_url(w), {"role": "MOD"}, format="json"),
    "block": lambda c, w: c.post("/api/blocks/", {"user_id": w.peer.pk}, format="json"),
    "report": lambda c, w: c.post(
        "/api/reports/",
        {"reported_user_id": w.peer.pk, "report_type": "harassment", "description": "Rude."},
        format="json",
    ),
    "upload": lambda c, w: c.post("/api/media/", {"file": png()}, format="multipart"),
    "presence": lambda c, w: c.get("/api/presence/", {"user_id": [w.peer.pk]}),
}


def rest_answer(action: str, response, world: World) -> str:
    status = response.status_code
    if status in (401, 404):
        return str(status)
    if status >= 300:
        return f"{status} {response.json()['code']}"
    if action == "presence":
        shown = {row["user_id"] for row in response.json()}
        return "shared" if world.peer.pk in shown else "hidden"
    return matrix.OK


def cells_on(path: str) -> list:
    return [
        pytest.param(action, restraint, id=f"{action}-{restraint}")
        for action, restraint, cell_path in matrix.cells()
        if cell_path == path
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "restraint"), cells_on("rest"))
def test_each_action_through_rest_gives_the_documented_answer(action, restraint):
    world = build_world(restraint, action)
    client = api_client_for(world.actor)
    restrain(world)
    response = REST[action](client, world)
    assert rest_answer(action, response, world) == matrix.ANSWERS[action][restraint]


# --- Pages ------------------------------------------------------------------------------------
PAGES = {
    "room_send": lambda c, w: c.post(f"/rooms/{w.theirs.pk}/send/", {"message": "hi"}),
    "dm": lambda c, w: c.post(f"/dms/{w.peer.pk}/send/", {"message": "hi"}),
    "join": lambda c, w: c.post(f"/rooms/{w.open.pk}/join/"),
    "leave": lambda c, w: c.post(f"/rooms/{w.theirs.pk}/leave/"),
    "create_room": lambda c, w: c.post(
        "/rooms/",
        {"room_name": "Night owls", "background_color": "#123456", "max_participants": "5"},
    ),
    "block": lambda c, w: c.post(f"/u/{w.peer.pk}/block/"),
    "report": lambda c, w: c.post(
        "/reports/new/",
        {"user": w.peer.pk, "report_type": "harassment", "description": "Rude."},
    ),
}


def page_answer(response) -> str:
    """A page says "ok" by redirecting to the result, "401" by sending to the login page; a
    refusal is its status (the words are on the page)."""
    if response.status_code == 302:
        return "401" if response["Location"].startswith("/login/") else matrix.OK
    return str(response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "restraint"), cells_on("page"))
def test_each_action_through_its_page_form_gives_the_documented_answer(action, restraint):
    world = build_world(restraint, action)
    client = page_client_for(world.actor)
    restrain(world)
    expected = matrix.ANSWERS[action][restraint]
    assert page_answer(PAGES[action](client, world)) == expected.split(" ")[0]


# --- The socket -------------------------------------------------------------------------------
SOCKET = {
    "room_send": lambda w: {"type": "room.send", "room_id": w.theirs.pk, "message": "hi"},
    "dm": lambda w: {"type": "dm.send", "to": w.peer.pk, "message": "hi"},
    "typing_room": lambda w: {"type": "typing", "room_id": w.theirs.pk, "state": "start"},
    "typing_dm": lambda w: {"type": "typing", "to": w.peer.pk, "state": "start"},
}


def socket_answer(frame: dict) -> str:
    if frame["type"] in ("ack", "pong"):
        return matrix.OK
    return matrix.NOT_FOUND if frame["code"] == "not_found" else f"403 {frame['code']}"


def _setup_socket_cell(action: str, restraint: str) -> tuple[World, str]:
    world = build_world(restraint, action)
    if restraint in ("platform_banned", "deleted"):
        ticket = ticket_issue(user_id=world.actor.pk)
        restrain(world)  # the ticket was issued while the account still worked
    else:
        restrain(world)
        ticket = ticket_issue(user_id=world.actor.pk)
    return world, ticket


async def socket_cell(action: str, restraint: str) -> str:
    world, ticket = await sync_to_async(_setup_socket_cell)(action, restraint)
    ws = WebsocketCommunicator(application, f"/ws/?ticket={ticket}")
    connected, _ = await ws.connect(timeout=WAIT)
    if not connected:
        return matrix.GONE
    if action.startswith("typing"):
        await send(ws, SOCKET[action](world))
        answer = socket_answer(await request(ws, {"type": "ping"}))  # an error comes first
    else:
        answer = socket_answer(await request(ws, SOCKET[action](world)))
    await ws.disconnect()
    return answer


SOCKET_ACTIONS = sorted({action for action, _, path in matrix.cells() if path == "socket"})


# One transactional test per action, its restraints in a loop: each world is fresh people and
# rooms, and flushing the database once per cell would triple the matrix's time.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", SOCKET_ACTIONS)
async def test_each_action_through_the_socket_gives_the_documented_answer(action):
    answers = {restraint: await socket_cell(action, restraint) for restraint in matrix.RESTRAINTS}
    assert answers == matrix.ANSWERS[action]


# --- The published table ----------------------------------------------------------------------
def test_the_table_in_the_moderation_doc_is_the_one_the_matrix_test_runs():
    assert matrix.published_table() == matrix.markdown_table()


def test_every_action_has_an_answer_for_every_restraint():
    for action in matrix.ACTIONS:
        assert set(matrix.ANSWERS[action.name]) == set(matrix.RESTRAINTS), action.name
