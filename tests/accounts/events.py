"""Listen to a channel-layer group from a synchronous test (the events services publish).

The listener keeps ONE event loop of its own, in a thread, for its channel: the real stack's
pub/sub layer (wya.layers) is per event loop, so a channel made in one ``async_to_sync`` call
would not exist in the next. Services publish from the test's thread as usual."""

import asyncio
import threading

from channels.layers import get_channel_layer

WAIT = 3  # seconds to wait for an expected event before failing (a bound, not a speed check)


class GroupListener:
    def __init__(self, group: str):
        self.group = group
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.layer = get_channel_layer()
        self.channel = self._run(self.layer.new_channel())
        self._run(self.layer.group_add(group, self.channel))

    def _run(self, coroutine, timeout: float = WAIT):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout + 1)

    def next_event(self) -> dict:
        return self._run(asyncio.wait_for(self.layer.receive(self.channel), WAIT))

    def close(self) -> None:
        self._run(self.layer.group_discard(self.group, self.channel))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(WAIT)


def listen(group: str) -> GroupListener:
    return GroupListener(group)
