"""The direct-message hot path: ``policy.dm_send_allowed`` decides from ONE hand-written query
(``messaging.selectors.dm_send_facts``) and must say yes exactly when ``policy.can_message``
does. Sending costs two queries."""

import datetime as dt

import pytest
from django.utils import timezone

from messaging.models import PrivateMessage
from messaging.selectors import dm_send_facts, has_written_to
from messaging.services import dm_send
from safety import policy
from safety.selectors import user_or_404
from tests.factories import BlockFactory, ModerationActionFactory, TeenFactory, UserFactory
from wya.errors import ServiceError

pytestmark = pytest.mark.django_db


def full_checks_pass(sender, recipient_id) -> bool:
    try:
        recipient = user_or_404(recipient_id)
        has_conversation = has_written_to(recipient.pk, sender.pk)
        policy.raise_for(policy.can_message(sender, recipient, has_conversation=has_conversation))
    except ServiceError:
        return False
    return True


def act(user, action_type, *, minutes, ago=0):
    ModerationActionFactory(
        target_user=user,
        action_type=action_type,
        duration_minutes=minutes,
        created_at=timezone.now() - dt.timedelta(minutes=ago),
    )


def senders_and_recipients():
    """(sender, recipient id) per case the hot path must get right."""
    cases = {}
    cases["adults"] = (UserFactory(), UserFactory().pk)
    cases["teen to adult"] = (TeenFactory(), UserFactory().pk)
    cases["teens"] = (TeenFactory(), TeenFactory().pk)
    sender, recipient = UserFactory(), UserFactory()
    BlockFactory(blocker=sender, blocked=recipient)
    cases["I blocked them"] = (sender, recipient.pk)
    sender, recipient = UserFactory(), UserFactory()
    BlockFactory(blocker=recipient, blocked=sender)
    cases["they blocked me"] = (sender, recipient.pk)
    cases["banned recipient"] = (UserFactory(), UserFactory(is_active=False).pk)
    sender = UserFactory()
    act(sender, "mute", minutes=30)
    cases["muted"] = (sender, UserFactory().pk)
    sender = UserFactory()
    act(sender, "mute", minutes=5, ago=10)
    cases["mute expired"] = (sender, UserFactory().pk)
    sender = UserFactory()
    act(sender, "restrict", minutes=None)
    cases["restricted, new conversation"] = (sender, UserFactory().pk)
    sender, recipient = UserFactory(), UserFactory()
    act(sender, "restrict", minutes=None)
    PrivateMessage.objects.create(sender=recipient, recipient=sender, message="hi")
    cases["restricted, answering"] = (sender, recipient.pk)
    sender, recipient = UserFactory(), UserFactory()
    act(sender, "restrict", minutes=None)
    PrivateMessage.objects.create(sender=sender, recipient=recipient, message="hi")
    cases["restricted, wrote first only"] = (sender, recipient.pk)
    sender = UserFactory()
    cases["myself"] = (sender, sender.pk)
    cases["nobody"] = (UserFactory(), "no-such-user")
    cases["not an id"] = (UserFactory(), "a\x00b")
    return cases


def test_the_hot_path_says_yes_exactly_when_can_message_does():
    for name, (sender, recipient_id) in senders_and_recipients().items():
        fast = policy.dm_send_allowed(sender, dm_send_facts(sender, recipient_id))
        assert fast == full_checks_pass(sender, recipient_id), name


def test_the_hot_path_says_yes_only_to_the_expected_cases():
    allowed = {
        name
        for name, (sender, recipient_id) in senders_and_recipients().items()
        if policy.dm_send_allowed(sender, dm_send_facts(sender, recipient_id))
    }
    assert allowed == {"adults", "teens", "mute expired", "restricted, answering"}


def test_a_direct_message_costs_two_queries(django_assert_num_queries):
    sender, recipient = UserFactory(), UserFactory()
    act(sender, "mute", minutes=5, ago=10)
    # 1 recipient + block either way + has written + my mutes/restrictions (dm_send_facts),
    # 2 the INSERT (autocommit: no BEGIN/COMMIT around one statement)
    with django_assert_num_queries(2):
        dm_send(sender=sender, recipient_id=recipient.pk, message="hi")


def test_a_refused_sender_still_gets_the_precise_error():
    sender = UserFactory()
    act(sender, "restrict", minutes=None)
    with pytest.raises(ServiceError) as refused:
        dm_send(sender=sender, recipient_id=UserFactory().pk, message="hi")
    assert refused.value.code == "restricted"
    with pytest.raises(ServiceError) as refused:
        dm_send(sender=UserFactory(), recipient_id=TeenFactory().pk, message="hi")
    assert refused.value.code == "not_found"
