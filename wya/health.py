"""``GET /healthz``: is the database reachable, does the channel layer carry a message."""

import asyncio
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse


def _database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # a health check reports, it does not raise
        return {"status": "error", "vendor": connection.vendor, "error": exc.__class__.__name__}


async def _channel_layer_status() -> dict:
    layer = get_channel_layer()
    backend = f"{layer.__class__.__module__}.{layer.__class__.__name__}"
    try:
        # The sockets' own prefix: channels-redis pops one key per prefix under one lock that
        # waiting sockets hold, so a probe channel of its own would wait behind them.
        channel = await layer.new_channel()
        token = uuid.uuid4().hex
        await layer.send(channel, {"type": "healthz", "token": token})
        received = await asyncio.wait_for(layer.receive(channel), timeout=2)
        ok = received.get("token") == token
        return {"status": "ok" if ok else "error", "backend": backend}
    except Exception as exc:
        return {"status": "error", "backend": backend, "error": exc.__class__.__name__}


async def healthz(request):
    database = await sync_to_async(_database_status)()
    channel_layer = await _channel_layer_status()
    healthy = database["status"] == "ok" and channel_layer["status"] == "ok"
    body = {
        "status": "ok" if healthy else "error",
        "database": database,
        "channel_layer": channel_layer,
    }
    return JsonResponse(body, status=200 if healthy else 503)
