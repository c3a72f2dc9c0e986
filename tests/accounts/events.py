"""Listen to a channel-layer group from a synchronous test (the events services publish)."""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

WAIT = 3  # seconds to wait for an expected event before failing (a bound, not a speed check)


class GroupListener:
    def __init__(self, group: str):
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(group, self.channel)

    def next_event(self) -> dict:
        async def receive():
            return await asyncio.wait_for(self.layer.receive(self.channel), WAIT)

        return async_to_sync(receive)()


def listen(group: str) -> GroupListener:
    return GroupListener(group)
