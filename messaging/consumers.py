"""The one WebSocket consumer (``/ws/``). Thin: parse and validate frames, call services."""

import json

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings


class LiveConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.user = self.scope["user"]
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None):
        raw = text_data if text_data is not None else bytes_data
        if raw is None or len(raw) > settings.WS_MAX_FRAME_BYTES:
            return await self.send_error("too_large", "Frames are limited to 64 KiB.")
        try:
            frame = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return await self.send_error("invalid", "Frames must be JSON text.")
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return await self.send_error("invalid", "A frame is a JSON object with a type.")
        if frame["type"] == "ping":
            return await self.send_json({"type": "pong"})
        return await self.send_error("unknown_type", f"Unknown frame type {frame['type']!r}.")

    async def send_json(self, payload: dict) -> None:
        await self.send(text_data=json.dumps(payload, default=str))

    async def send_error(self, code: str, detail: str, client_id=None) -> None:
        frame = {"type": "error", "code": code, "detail": detail}
        if client_id is not None:
            frame["client_id"] = client_id
        await self.send_json(frame)
