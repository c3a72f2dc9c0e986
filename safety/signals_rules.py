"""Early signals (docs/moderation.md, "Early signals"): rules on the write paths that put a
``SafetySignal`` in the moderators' queue. A signal is a hint reviewed like a report, never an
action: nothing here restricts anyone (the first-contact LIMIT is a policy decision the DM send
raises; its counting lives here because it shares the signal's one round trip).

- ``count_dm_send``: the DM send's counters, ONE Redis round trip (a Lua script), only for the
  rules that can fire: first contacts of a new account, and the same text to many people.
- ``raise_signal``: one open signal per (subject, kind); a rule firing again updates it.
- ``note_block_received`` (block create), ``note_registration`` (sign-up): the other rules.
- ``signal_review``: a moderator confirms or dismisses a signal (logged: who, when).
"""

import datetime as dt
import hashlib
import time
import unicodedata

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from safety import policy
from safety.models import Block, SafetySignal, SignalKind, SignalStatus
from wya import hotcache
from wya.errors import Invalid, NotFound

HOUR = 3600
# The browser id cookie (set by the register page; an API client may send it as a header).
BROWSER_COOKIE = "wya_browser"
BROWSER_HEADER = "HTTP_X_WYA_BROWSER"
REVIEW_DECISIONS = {"confirm": SignalStatus.CONFIRMED, "dismiss": SignalStatus.DISMISSED}

# KEYS: the sender's contacts (set), first contacts in the hour (sorted set, score: time), the
# people who got this text (set). ARGV: recipient, now, count first contacts (0/1), the limit,
# the contacts' lifetime, count the text (0/1). Returns {first contacts, refused, text people}.
# Atomic, so two sends at once cannot both take the last first contact.
_COUNT_SCRIPT = """
local first, refused, same = 0, 0, 0
if ARGV[3] == '1' and redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then
  local now = tonumber(ARGV[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 3600)
  local count = redis.call('ZCARD', KEYS[2])
  if count >= tonumber(ARGV[4]) then
    return {count, 1, 0}
  end
  redis.call('SADD', KEYS[1], ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  redis.call('ZADD', KEYS[2], now, ARGV[1])
  redis.call('EXPIRE', KEYS[2], 3600)
  first = count + 1
end
if ARGV[6] == '1' then
  redis.call('SADD', KEYS[3], ARGV[1])
  redis.call('EXPIRE', KEYS[3], 3600, 'NX')
  same = redis.call('SCARD', KEYS[3])
end
return {first, refused, same}
"""


def text_fingerprint(text: str) -> str:
    """The same text for the same-text rule: Unicode NFKC, case folded, whitespace collapsed
    (so "Hi  THERE" and "hi there" count as one text). A hash: the key never holds the words."""
    normal = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return hashlib.sha256(normal.encode()).hexdigest()[:32]


def _keys(sender_id: str, text: str) -> list[str]:
    return [
        f"sig:contacts:{sender_id}",
        f"sig:firsts:{sender_id}",
        f"sig:text:{sender_id}:{text_fingerprint(text)}",
    ]


def count_dm_send(*, sender, recipient_id: str, text: str, answer: bool) -> policy.DmSendCounts:
    """Count this DM for the first-contact limit and the signals, in ONE round trip, and only
    what can fire: first contacts for a new account's non-answers, the text when there is one.
    A refused first contact counts nothing (the sender may try again later)."""
    first = policy.is_new_account(sender) and not answer
    has_text = bool(text.strip())
    if not (first or has_text):
        return policy.DmSendCounts()
    args = [
        recipient_id,
        time.time(),
        int(first),
        settings.NEW_ACCOUNT_FIRST_CONTACTS_PER_HOUR,
        settings.NEW_ACCOUNT_HOURS * HOUR,
        int(has_text),
    ]
    client = hotcache.redis_client()
    keys = _keys(sender.pk, text)
    if client is None:
        result = _count_in_cache(keys, args)
    else:
        full_keys = [hotcache.make_key(key) for key in keys]
        result = client.eval(_COUNT_SCRIPT, len(full_keys), *full_keys, *args)
    count, refused, same = (int(value) for value in result)
    return policy.DmSendCounts(
        first_contacts=0 if refused else count, refused=bool(refused), same_text_people=same
    )


def _count_in_cache(keys: list[str], args: list) -> tuple[int, int, int]:
    """The script's steps on Django's cache (the embedded default's local memory, one process:
    not atomic across processes, which that mode does not have)."""
    recipient, now, first_on, limit, contacts_ttl, text_on = args
    first = same = 0
    contacts = cache.get(keys[0], set())
    if first_on and recipient not in contacts:
        firsts = {who: at for who, at in cache.get(keys[1], {}).items() if at > now - HOUR}
        if len(firsts) >= limit:
            return len(firsts), 1, 0
        cache.set(keys[0], contacts | {recipient}, timeout=contacts_ttl)
        cache.set(keys[1], {**firsts, recipient: now}, timeout=HOUR)
        first = len(firsts) + 1
    if text_on:
        people = cache.get(keys[2], set()) | {recipient}
        cache.set(keys[2], people, timeout=HOUR)
        same = len(people)
    return first, 0, same


def raise_signal(*, kind: str, subject_id: str, evidence: dict) -> SafetySignal:
    """Open a signal, or update the open one of this (subject, kind) with the latest evidence
    (``times_seen`` counts how often the rule fired): one queue item per person and rule."""
    with transaction.atomic():
        open_one = (
            SafetySignal.objects.select_for_update()
            .filter(subject_id=subject_id, kind=kind, status=SignalStatus.OPEN)
            .first()
        )
        if open_one is None:
            try:
                with transaction.atomic():
                    return SafetySignal.objects.create(
                        kind=kind, subject_id=subject_id, evidence={**evidence, "times_seen": 1}
                    )
            except IntegrityError:  # a parallel send opened it first (the partial unique index)
                open_one = SafetySignal.objects.select_for_update().get(
                    subject_id=subject_id, kind=kind, status=SignalStatus.OPEN
                )
        seen = int(open_one.evidence.get("times_seen", 1)) + 1
        open_one.evidence = {**evidence, "times_seen": seen}
        open_one.save(update_fields=["evidence"])
    return open_one


def note_block_received(*, blocked_id: str) -> SafetySignal | None:
    """After a block: ``SIGNAL_BLOCKS_RECEIVED`` blocks against one person within 24 h raise
    ``blocks_received`` (one indexed query; block toggles are rate-limited)."""
    since = timezone.now() - dt.timedelta(hours=24)
    blockers = list(
        Block.objects.filter(blocked_id=blocked_id, created_at__gte=since)
        .order_by("created_at")
        .values_list("blocker_id", flat=True)
    )
    if not policy.blocks_signal_due(len(blockers)):
        return None
    evidence = {"blocks_received": len(blockers), "window_hours": 24, "blocker_ids": blockers}
    return raise_signal(kind=SignalKind.BLOCKS_RECEIVED, subject_id=blocked_id, evidence=evidence)


def clean_browser_id(value: str | None) -> str | None:
    """A browser id as we issue it (``secrets.token_urlsafe``), or None: anything else a client
    sends is ignored rather than trusted as a key."""
    if not value or not 16 <= len(value) <= 64:
        return None
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    return value if set(value) <= allowed else None


def note_registration(*, user, browser_id: str | None) -> SafetySignal | None:
    """After a sign-up: remember (account, segment, time) under the browser id for
    ``SIGNAL_CROSS_SEGMENT_MINUTES`` (in the cache, keyed by a hash of the id: nothing is kept
    longer than the rule needs); a teen and an adult from one browser within it raise
    ``cross_segment_session`` about the newer account, naming the other one."""
    browser_id = clean_browser_id(browser_id)
    if browser_id is None:
        return None
    key = "sig:browser:" + hashlib.sha256(browser_id.encode()).hexdigest()[:32]
    window = settings.SIGNAL_CROSS_SEGMENT_MINUTES * 60
    now = time.time()
    earlier = [entry for entry in cache.get(key, []) if entry[2] > now - window]
    segment = policy.age_segment(user)
    cache.set(key, [*earlier, [user.pk, segment, now]], timeout=window)
    other = next((e for e in earlier if policy.cross_segment_signal_due(segment, e[1])), None)
    if other is None:
        return None
    evidence = {
        "other_account_id": other[0],
        "segment": segment,
        "other_segment": other[1],
        "minutes_apart": round((now - other[2]) / 60, 1),
        "window_minutes": settings.SIGNAL_CROSS_SEGMENT_MINUTES,
        "same_browser": True,
    }
    kind = SignalKind.CROSS_SEGMENT_SESSION
    return raise_signal(kind=kind, subject_id=user.pk, evidence=evidence)


def signal_review(*, moderator, signal_id: int, decision: str) -> SafetySignal:
    """Confirm or dismiss an open signal (logged: ``reviewed_by``/``reviewed_at``). Confirming
    punishes nobody: the moderator then takes an action through the action form."""
    if decision not in REVIEW_DECISIONS:
        raise Invalid("decision: choose confirm or dismiss.", code="invalid")
    with transaction.atomic():
        signal = SafetySignal.objects.select_for_update().filter(pk=signal_id).first()
        if signal is None:
            raise NotFound("No such signal.")
        policy.raise_for(policy.may_review_signal(moderator, signal))
        if signal.status != SignalStatus.OPEN:
            raise Invalid("This signal was already reviewed.", code="already_reviewed")
        signal.status = REVIEW_DECISIONS[decision]
        signal.reviewed_by = moderator
        signal.reviewed_at = timezone.now()
        signal.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return signal
