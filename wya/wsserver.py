"""uvicorn's WebSocket protocol with a graceful stop that completes the closing handshake.

On SIGTERM uvicorn calls ``shutdown()`` on every connection. Its sans-I/O protocol writes a 1012
close frame and closes the TCP socket at once. When the client is still sending, which is usual
under load, unread bytes sit in the server's receive buffer at that moment. The kernel then
answers with a RST instead of a FIN, and the client discards what it had not read yet,
including the close frame. The client sees 1006 (no close frame) instead of 1012. Seen in CI
(stop 14) and in 2 of 6 local runs of tests/e2e/test_graceful_stop.py's under-load test.

Here ``shutdown()`` sends the 1012 close and waits, reading and discarding, for the client's
close reply, as RFC 6455 §7.1.1 has it. Only then, or after ``SHUTDOWN_CLOSE_TIMEOUT``, is TCP
closed. This is well inside uvicorn's ``--timeout-graceful-shutdown``. Used by scripts/serve.sh
(``--ws wya.wsserver:GracefulWebSocketProtocol``). This module is loaded by uvicorn before
Django, so it imports nothing from the project.
"""

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

SERVICE_RESTART = 1012  # = messaging.consumers.RECONNECT_CODE (not imported: no Django here)
SHUTDOWN_CLOSE_TIMEOUT = 2.0  # seconds to wait for the client's close reply during a stop


class GracefulWebSocketProtocol(WebSocketsSansIOProtocol):
    def shutdown(self) -> None:
        if not self.handshake_complete or self.transport.is_closing():
            super().shutdown()  # nothing to hand over: uvicorn's 500 or plain close
            return
        self.stop_keepalive()
        if not self.close_sent:
            self._send_close(SERVICE_RESTART)
        self._close_tcp_after(SHUTDOWN_CLOSE_TIMEOUT)

    def _send_close(self, code: int) -> None:
        """The close frame, and the app told its socket is gone. The protocol then drops
        further messages and keeps reading until the client's reply (``handle_close``)."""
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code})
        self.conn.send_close(code)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if self.read_paused:  # the reply must be read, even from a socket paused for flow
            self.read_paused = False
            self.transport.resume_reading()

    def _close_tcp_after(self, seconds: float) -> None:
        """Close TCP when the reply arrives (``handle_close`` cancels this timer and closes),
        or after ``seconds`` at most, whichever comes first."""
        if self.close_timer is not None:
            self.close_timer.cancel()
        self.close_timer = self.loop.call_later(seconds, self.transport.close)
