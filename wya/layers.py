"""The channel layer of the real stack: channels-redis' pub/sub layer, told when it missed events.

Why pub/sub: a group event is ONE ``PUBLISH``, and every process subscribed to the group gets one
copy, which it hands to its local sockets. The core layer instead writes one copy per socket into
Redis and every socket pops its own (ten Redis operations for a room message of ten); measured on
this path the pub/sub layer costs a third less CPU per message (docs/performance.md).

What pub/sub gives up: Redis does not keep what was published while a process's subscription
connection was down (a Redis restart, a network cut), and channels-redis 4.3 resubscribes
silently (its ``on_disconnect``/``on_reconnect`` options are accepted but never called). This
layer notices the reconnect (a redis-py connect callback on the subscription connection) and
puts a ``layer.gap`` event into every local socket's queue; the socket closes with 1012 and the
client reconnects and catches up through ``after=`` (docs/live.md), so nothing committed is
missed. tests/e2e/test_redis_restart.py restarts a real Redis under an open socket.
"""

import asyncio
import logging

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close, decode_hosts

logger = logging.getLogger(__name__)
GAP_EVENT = {"type": "layer.gap"}


class _GapAwareShard(RedisSingleShardConnection):
    """One Redis host's connections; calls ``on_gap`` when its subscription connection
    connects again after it had been connected (everything published in between is gone)."""

    def __init__(self, host, channel_layer, on_gap):
        super().__init__(host, channel_layer)
        self._on_gap = on_gap
        self._watched = None

    async def subscribe(self, channel):
        await super().subscribe(channel)
        connection = self._pubsub.connection if self._pubsub is not None else None
        if connection is not None and connection is not self._watched:
            # redis-py keeps a weak reference to the method: this shard lives as long as its layer.
            connection.register_connect_callback(self._reconnected)
            self._watched = connection

    def _reconnected(self, connection) -> None:
        logger.warning("channel layer resubscribed to Redis; local sockets must catch up")
        self._on_gap()


class _GapAwareLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, hosts=None, **kwargs):
        super().__init__(hosts=hosts, **kwargs)
        self._shards = [_GapAwareShard(host, self, self._gap) for host in decode_hosts(hosts)]

    def _gap(self) -> None:
        data = self.channel_layer.serialize(GAP_EVENT)
        for queue in self.channels.values():
            queue.put_nowait(data)


class GapAwarePubSubChannelLayer(RedisPubSubChannelLayer):
    """``RedisPubSubChannelLayer`` whose per-event-loop layers report missed events."""

    def _get_layer(self):
        # As upstream's, with the gap-aware layer (one per event loop).
        loop = asyncio.get_running_loop()
        if loop not in self._layers:
            self._layers[loop] = _GapAwareLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return self._layers[loop]
