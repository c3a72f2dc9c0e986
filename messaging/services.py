"""Writes for direct messages, presence and socket control. Persist, then publish after commit.

- ``dm_send``: the one code path for REST and WebSocket direct messages.
- presence: ``presence_connected`` / ``presence_disconnected`` (socket counting in the shared
  cache), ``presence_heartbeats``, ``presence_set`` and ``presence_expire_stale`` (the worker).
"""

import datetime as dt
from collections.abc import Collection

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from rest_framework.fields import DateTimeField

from messaging import selectors
from messaging.models import FirstContactPrompt, Presence, PresenceStatus, PrivateMessage
from rooms.models import ChatRoomMember
from rooms.selectors import room_ids_for_user
from safety import policy, signals_rules
from safety.models import SignalKind
from uploads.services import media_kind, require_issued_media
from wya import ratelimit
from wya.db import insert_one
from wya.errors import Invalid, NotFound, RateLimited
from wya.live import publish_on_commit, user_group
from wya.validators import clean_message

User = get_user_model()

ACTIVITIES = ("chatting", "browsing", "idle")
SETTABLE_STATUSES = (PresenceStatus.ONLINE, PresenceStatus.AWAY)


# --- Direct messages ------------------------------------------------------------------------
def dm_payload(message: PrivateMessage) -> dict:
    """The one shape of a direct message: the ``dm.message`` frame and the REST output."""
    return {
        "id": message.id,
        "sender_id": message.sender_id,
        "recipient_id": message.recipient_id,
        "message": message.message,
        "media_url": message.media_url,
        "created_at": DateTimeField().to_representation(message.created_at),
    }


def dm_send(*, sender, recipient_id: str, message: str, media_url=None) -> PrivateMessage:
    """Send a direct message; refused across segments/blocks (404), muted (403 ``muted``),
    restricted senders starting a new conversation (403 ``restricted``), a new account past its
    first contacts this hour (429 ``first_contact_limit``).

    The hot path: ``policy.decide_dm_send`` decides, with its precise refusal, on the facts
    read by ONE query (``dm_send_facts``). The save is one INSERT, atomic by itself: two
    PostgreSQL round trips per message, three while the recipient has never written to the
    sender (the first-contact hints of their frame: ``_first_contact_hints``); the early-signal
    counters add one Redis round trip (``signals_rules.count_dm_send``)."""
    message, media_url = clean_message(message, media_url)
    facts = selectors.dm_send_facts(sender, recipient_id)
    policy.raise_for(policy.decide_dm_send(sender, facts))
    require_issued_media(media_url, sender)
    if not ratelimit.allow("messages", sender.pk):
        raise RateLimited("You are sending messages too fast; wait a moment.")
    counts = signals_rules.count_dm_send(
        sender=sender, recipient_id=recipient_id, text=message, answer=facts.has_conversation
    )
    policy.raise_for(policy.decide_first_contact(counts))
    dm = insert_one(
        PrivateMessage,
        sender_id=sender.pk,
        recipient_id=recipient_id,
        message=message,
        media_url=media_url,
        created_at=timezone.now(),
    )
    event = {"type": "dm.message", "message": dm_payload(dm)}
    publish_on_commit(user_group(sender.pk), event)
    publish_on_commit(
        user_group(recipient_id), {**event, **_first_contact_hints(sender, dm, facts)}
    )
    _raise_dm_signals(sender, counts, message)
    return dm


def _raise_dm_signals(sender, counts: policy.DmSendCounts, text: str) -> None:
    """The early signals the counters call for (rare: only then is the evidence read)."""
    if policy.fanout_signal_due(counts):
        evidence = _first_contacts_evidence(sender, counts)
        signals_rules.raise_signal(
            kind=SignalKind.NEW_ACCOUNT_FANOUT, subject_id=sender.pk, evidence=evidence
        )
    if policy.same_text_signal_due(counts):
        evidence = _same_text_evidence(sender, text)
        signals_rules.raise_signal(
            kind=SignalKind.SAME_TEXT_FANOUT, subject_id=sender.pk, evidence=evidence
        )


# At most this many message ids in a signal's evidence (the count says how many there were).
EVIDENCE_IDS = 50


def _last_hour_dms(sender):
    since = timezone.now() - dt.timedelta(hours=1)
    return PrivateMessage.objects.filter(sender_id=sender.pk, created_at__gte=since).order_by("id")


def _first_contacts_evidence(sender, counts: policy.DmSendCounts) -> dict:
    """The rule's count, and the first message to each person the new account wrote to in the
    last hour (answers included: the moderator sees the whole hour)."""
    firsts = list(
        _last_hour_dms(sender)
        .values("recipient_id")
        .annotate(first_id=Min("id"))
        .order_by("first_id")
    )
    return {
        "first_contacts": counts.first_contacts,
        "window_minutes": 60,
        "account_age_minutes": int((timezone.now() - sender.created_at).total_seconds() // 60),
        "recipient_ids": [row["recipient_id"] for row in firsts][:EVIDENCE_IDS],
        "message_ids": [row["first_id"] for row in firsts][:EVIDENCE_IDS],
    }


def _same_text_evidence(sender, text: str) -> dict:
    """The sender's DMs of the last hour whose normalised text is this one."""
    fingerprint = signals_rules.text_fingerprint(text)
    rows = (
        _last_hour_dms(sender)
        .filter(message__isnull=False)
        .values_list("id", "recipient_id", "message")
    )
    same = [
        (pk, to) for pk, to, words in rows if signals_rules.text_fingerprint(words) == fingerprint
    ]
    return {
        "people": len({to for _, to in same}),
        "window_minutes": 60,
        "text": text[:300],
        "recipient_ids": list(dict.fromkeys(to for _, to in same))[:EVIDENCE_IDS],
        "message_ids": [pk for pk, _ in same][:EVIDENCE_IDS],
    }


def _first_contact_hints(sender, dm: PrivateMessage, send_facts: policy.DmSendFacts) -> dict:
    """What the recipient's ``dm.message`` frame adds when the message comes from someone new
    to them: ``first_contact`` (show the prompt) and ``blurred`` (blur its image). Read only
    when the recipient never wrote to the sender (``has_conversation`` False): an answered
    conversation costs no extra query."""
    if send_facts.has_conversation or send_facts.recipient_birth_date is None:
        return {}
    # The recipient as the policy needs them (their segment), without loading the row again.
    recipient = User(pk=dm.recipient_id, date_of_birth=send_facts.recipient_birth_date)
    facts = selectors.first_contact_facts(recipient, [sender.pk]).get(sender.pk)
    if facts is None:
        return {}
    blurred = policy.first_contact_blurs(
        recipient, facts, sender_id=sender.pk, is_image=media_kind(dm.media_url) == "image"
    )
    return {"first_contact": policy.first_contact_due(recipient, sender, facts), "blurred": blurred}


def first_contact_dismiss(*, user, other_id: str) -> None:
    """``user`` answered the first-contact prompt about ``other_id`` ("Got it"): it is not shown
    again for the pair. Idempotent; 404 for someone ``user`` may not see."""
    other = selectors.dm_partner_for(user, other_id)
    now = timezone.now()
    with transaction.atomic():
        FirstContactPrompt.objects.update_or_create(
            user_id=user.pk,
            other_id=other.pk,
            defaults={"dismissed_at": now},
            create_defaults={"shown_at": now, "dismissed_at": now},
        )


# --- Presence -------------------------------------------------------------------------------
def _sockets_key(user_id: str) -> str:
    return f"presence:sockets:{user_id}"


def sockets_opened(user_id: str) -> int:
    """Count one more open socket of a user, in the shared cache (all processes)."""
    key = _sockets_key(user_id)
    cache.add(key, 0, timeout=None)
    try:
        return cache.incr(key)
    except ValueError:  # deleted in between
        cache.add(key, 1, timeout=None)
        return 1


def sockets_closed(user_id: str) -> int:
    """Count one socket less; returns how many remain open (never below zero)."""
    key = _sockets_key(user_id)
    try:
        remaining = cache.decr(key)
    except ValueError:
        return 0
    if remaining < 0:
        cache.set(key, 0, timeout=None)
        return 0
    return remaining


def _publish_presence(user, state: dict) -> None:
    """A ``presence`` frame to everyone who may see ``user`` (not to ``user``'s own sockets).

    ``room_id`` is kept only for receivers who are members of that room themselves.
    """
    audience = selectors.presence_audience_ids(user)
    room_members = set()
    if state.get("room_id") is not None:
        room_members = set(
            ChatRoomMember.objects.filter(
                room_id=state["room_id"], is_banned=False, user_id__in=audience
            ).values_list("user_id", flat=True)
        )
    frame = {"type": "presence", "user_id": user.pk, "status": state["status"]}
    frame["activity"] = state.get("activity")
    for receiver in audience:
        visible_room = state.get("room_id") if receiver in room_members else None
        publish_on_commit(user_group(receiver), {**frame, "room_id": visible_room})


def _save_presence(user, *, status, activity=None, room_id=None, publish=True) -> Presence:
    now = timezone.now()
    with transaction.atomic():
        row, _ = Presence.objects.update_or_create(
            user_id=user.pk,
            defaults={
                "status": status,
                "activity": activity,
                "room_id": room_id,
                "last_seen_at": now,
                "updated_at": now,
            },
        )
        if publish:
            _publish_presence(user, {"status": status, "activity": activity, "room_id": room_id})
    return row


def presence_connected(*, user) -> None:
    """A socket opened: count it; the first one marks the user online and tells the audience."""
    sockets_opened(user.pk)
    row = Presence.objects.filter(user_id=user.pk).first()
    current = selectors.presence_state(row)
    if current["status"] == PresenceStatus.OFFLINE:
        _save_presence(user, status=PresenceStatus.ONLINE)
    else:
        presence_heartbeats(user_ids=[user.pk])


def presence_disconnected(*, user) -> None:
    """A socket closed: the LAST one of the user (across processes) marks them offline."""
    if sockets_closed(user.pk) > 0:
        return
    now = timezone.now()
    with transaction.atomic():
        changed = (
            Presence.objects.filter(user_id=user.pk)
            .exclude(status=PresenceStatus.OFFLINE)
            .update(
                status=PresenceStatus.OFFLINE,
                activity=None,
                room_id=None,
                last_seen_at=now,
                updated_at=now,
            )
        )
        if changed:  # no row (e.g. a deleted account) means offline already: nothing to write
            _publish_presence(user, {"status": PresenceStatus.OFFLINE})


HEARTBEAT_CHUNK = 500  # user ids per UPDATE (SQLite allows 999 parameters)


def presence_heartbeats(*, user_ids: Collection[str]) -> None:
    """``ping``s of many users at once (a socket process batches them, messaging.heartbeats):
    ``last_seen_at`` refreshed by one UPDATE per chunk; users whose row the worker marked
    offline meanwhile (or who have none) come back online, with a ``presence`` frame."""
    ids = sorted(user_ids)
    for start in range(0, len(ids), HEARTBEAT_CHUNK):
        chunk = ids[start : start + HEARTBEAT_CHUNK]
        now = timezone.now()
        live = Presence.objects.filter(user_id__in=chunk).exclude(status=PresenceStatus.OFFLINE)
        refreshed = set(live.values_list("user_id", flat=True))
        live.filter(user_id__in=refreshed).update(last_seen_at=now, updated_at=now)
        for user in User.objects.filter(pk__in=set(chunk) - refreshed, is_active=True):
            _save_presence(user, status=PresenceStatus.ONLINE)


def presence_set(*, user, status, activity=None, room_id=None) -> Presence:
    """The ``presence`` frame: status online/away, activity, and a room the user is in."""
    if status not in SETTABLE_STATUSES:
        raise Invalid("status must be online or away.")
    if activity is not None and activity not in ACTIVITIES:
        raise Invalid("activity must be chatting, browsing or idle.")
    if room_id is not None:
        if isinstance(room_id, bool) or not isinstance(room_id, int):
            raise Invalid("room_id must be a room id or null.")
        if room_id not in set(room_ids_for_user(user)):
            raise NotFound("No such room.")
    return _save_presence(user, status=status, activity=activity, room_id=room_id)


def presence_expire_stale(*, now=None) -> list[str]:
    """One pass of the worker: rows whose heartbeat is older than the timeout become offline,
    and the people who may see them get an offline ``presence`` frame. Returns the user ids."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.PRESENCE_TIMEOUT_SECONDS)
    expired = []
    for user_id in selectors.stale_presence_user_ids(now=now):
        with transaction.atomic():
            changed = (
                Presence.objects.filter(user_id=user_id, last_seen_at__lt=cutoff)
                .exclude(status=PresenceStatus.OFFLINE)
                .update(status=PresenceStatus.OFFLINE, activity=None, room_id=None, updated_at=now)
            )
            if not changed:
                continue  # a heartbeat came in meanwhile
            user = User.objects.get(pk=user_id)
            _publish_presence(user, {"status": PresenceStatus.OFFLINE})
        cache.delete(_sockets_key(user_id))  # no live socket has pinged: forget the count
        expired.append(user_id)
    return expired
