"""The restraint matrix: every action a person can take on another person or a shared space ×
every restraint on that person, and the documented answer of each cell. ``test_matrix.py``
runs each cell through REST, the socket and the page form (where one exists); docs/moderation.md
publishes the table printed by ``python -m tests.safety.matrix`` (``--write`` updates the doc;
a test keeps them equal).

Answers: ``ok`` (done; 2xx, a socket ack, a page redirect), ``401`` (the credentials no longer
work; a socket is refused), ``404`` (no such room/person, whatever the code), ``403 <code>``,
``shared`` / ``hidden`` (presence)."""

import pathlib
import sys
from dataclasses import dataclass

OK = "ok"
GONE = "401"
NOT_FOUND = "404"

# The restraint on the ACTOR (or between the actor and the other person / the room).
RESTRAINTS = {
    "none": "no restraint",
    "muted": "muted",
    "restricted": "restricted",
    "platform_banned": "platform-banned",
    "deleted": "deleted",
    "room_banned": "room-banned",
    "blocked_by_me": "I blocked them",
    "blocked_me": "they blocked me",
    "other_segment": "other segment",
    "not_member": "not a member",
}


@dataclass(frozen=True)
class Action:
    name: str
    label: str  # what the actor does, in the doc's words
    paths: tuple[str, ...]  # "rest", "socket", "page"


ACTIONS = (
    Action("room_send", "send a message in a room", ("rest", "socket", "page")),
    Action("dm", "send a direct message", ("rest", "socket", "page")),
    Action("typing_room", "typing in a room", ("socket",)),
    Action("typing_dm", "typing to a person", ("socket",)),
    Action("join", "join a public room", ("rest", "page")),
    Action("leave", "leave a room", ("rest", "page")),
    Action("create_room", "create a room", ("rest", "page")),
    Action("rename", "rename/describe my room", ("rest",)),
    Action("visibility", "make my private room public", ("rest",)),
    Action("add_member", "add/invite a person to my room", ("rest",)),
    Action("kick", "kick a member of my room", ("rest",)),
    Action("ban", "ban a member from my room", ("rest",)),
    Action("unban", "lift a room ban", ("rest",)),
    Action("role", "make a member a room moderator", ("rest",)),
    Action("block", "block a person", ("rest", "page")),
    Action("report", "report a person", ("rest", "page")),
    Action("upload", "upload an image", ("rest",)),
    Action("presence", "see a co-member's presence", ("rest",)),
)


def _answers(**overrides: str) -> dict[str, str]:
    base = {name: OK for name in RESTRAINTS}
    base.update(platform_banned=GONE, deleted=GONE)
    base.update(overrides)
    return base


_STAFF = {  # my room's owner actions, tried where I am banned / not a member
    "room_banned": "403 banned",
    "not_member": "403 not_member",
}

ANSWERS: dict[str, dict[str, str]] = {
    "room_send": _answers(
        muted="403 muted",
        room_banned="403 banned",
        other_segment=NOT_FOUND,
        not_member="403 not_member",
    ),
    "dm": _answers(
        muted="403 muted",
        restricted="403 restricted",
        blocked_by_me=NOT_FOUND,
        blocked_me=NOT_FOUND,
        other_segment=NOT_FOUND,
    ),
    # The socket knows the rooms it is in: a room one is not in is "not found" there.
    "typing_room": _answers(
        muted="403 muted", room_banned=NOT_FOUND, other_segment=NOT_FOUND, not_member=NOT_FOUND
    ),
    "typing_dm": _answers(
        muted="403 muted",
        restricted="403 restricted",
        blocked_by_me=NOT_FOUND,
        blocked_me=NOT_FOUND,
        other_segment=NOT_FOUND,
    ),
    "join": _answers(
        restricted="403 restricted", room_banned="403 banned", other_segment=NOT_FOUND
    ),
    "leave": _answers(
        room_banned="403 banned", other_segment=NOT_FOUND, not_member="403 not_member"
    ),
    "create_room": _answers(restricted="403 restricted"),
    "rename": _answers(muted="403 muted", **_STAFF),
    "visibility": _answers(restricted="403 restricted", **_STAFF),
    "add_member": _answers(
        muted="403 muted",
        restricted="403 restricted",
        blocked_by_me=NOT_FOUND,
        blocked_me=NOT_FOUND,
        other_segment=NOT_FOUND,
        **_STAFF,
    ),
    "kick": _answers(other_segment=NOT_FOUND, **_STAFF),
    "ban": _answers(
        blocked_by_me=NOT_FOUND, blocked_me=NOT_FOUND, other_segment=NOT_FOUND, **_STAFF
    ),
    "unban": _answers(other_segment=NOT_FOUND, **_STAFF),
    "role": _answers(other_segment=NOT_FOUND, **_STAFF),
    # Blocking again is a no-op (ok); someone who blocked me is hidden from me.
    "block": _answers(blocked_me=NOT_FOUND, other_segment=NOT_FOUND),
    "report": _answers(blocked_me=NOT_FOUND, other_segment=NOT_FOUND),
    "upload": _answers(),
    "presence": {
        **_answers(),
        **{
            name: "hidden"
            for name in ("room_banned", "blocked_by_me", "blocked_me", "other_segment")
        },
        "none": "shared",
        "muted": "shared",
        "restricted": "shared",
        "not_member": "hidden",
    },
}


def cells() -> list[tuple[str, str, str]]:
    """Every (action, restraint, path) the test runs."""
    return [
        (action.name, restraint, path)
        for action in ACTIONS
        for restraint in RESTRAINTS
        for path in action.paths
    ]


def markdown_table() -> str:
    """The table docs/moderation.md shows, generated from the data the test runs."""
    header = ["Action", "Paths", *RESTRAINTS.values()]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for action in ACTIONS:
        row = [action.label, ", ".join(action.paths)]
        row += [ANSWERS[action.name][name] for name in RESTRAINTS]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "moderation.md"
BEGIN, END = "<!-- matrix:begin -->", "<!-- matrix:end -->"


def published_table() -> str:
    """The table between the markers of docs/moderation.md."""
    text = DOC.read_text()
    return text[text.index(BEGIN) + len(BEGIN) : text.index(END)].lstrip("\n")


def write_table() -> None:
    text = DOC.read_text()
    head, tail = text[: text.index(BEGIN) + len(BEGIN)], text[text.index(END) :]
    DOC.write_text(f"{head}\n{markdown_table()}{tail}")


if __name__ == "__main__":
    # ``python -m tests.safety.matrix`` prints the table; ``--write`` puts it in the doc.
    if "--write" in sys.argv:
        write_table()
    else:
        print(markdown_table(), end="")
