#!/usr/bin/env bash
# One ASGI process of WYA!? (pages, API, WebSocket): uvicorn with uvloop and httptools, chosen by
# bench/sweep.py's numbers (docs/performance.md). Run several on several ports behind a proxy.
#   scripts/serve.sh [PORT]          HOST (default 127.0.0.1) picks the interface
# APP_DIR (default: this checkout) runs the code of another checkout with this one's virtualenv
# (bench/sweep.py --base-root). Every script and test starts servers through this file
# (scripts/stack.py).
# WebSocket keepalive: a protocol ping every 60 s (uvicorn's default is 20 s), answered within
# 30 s or the socket is closed; clients also send a `ping` frame every 30 s (docs/live.md). At
# 2,000 idle sockets the 20 s keepalive was a quarter of the CPU at rest (docs/performance.md).
# SIGTERM/SIGINT: stops accepting, closes every socket with 1012 (service restart: clients
# reconnect) and exits; in-flight work gets at most 5 s. wya/wsserver.py completes the closing
# handshake during the stop, so a client that is still sending gets the 1012 frame, not a RST
# (an older checkout run through APP_DIR has uvicorn's own protocol).
# Forwarded headers: uvicorn believes X-Forwarded-For/-Proto only from TRUSTED_PROXY_IPS (the
# setting wya/proxy.py reads; from the environment, else from .env), and with it empty from
# nobody (--no-proxy-headers). uvicorn's own default trusted every loopback peer, whatever the
# setting said (docs/deploy.md; tests/e2e/test_forwarded_headers.py).
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
cd "${APP_DIR:-$HERE}"
WS=websockets-sansio
[[ -f wya/wsserver.py ]] && WS=wya.wsserver:GracefulWebSocketProtocol
if [[ -z "${TRUSTED_PROXY_IPS+set}" && -f .env ]]; then
  TRUSTED_PROXY_IPS="$(sed -n 's/^TRUSTED_PROXY_IPS=\([^#]*\).*/\1/p' .env | tail -n 1 | tr -d ' ')"
fi
PROXY=(--no-proxy-headers)
[[ -n "${TRUSTED_PROXY_IPS:-}" ]] && PROXY=(--proxy-headers --forwarded-allow-ips "${TRUSTED_PROXY_IPS// /}")
exec "$HERE/.venv/bin/uvicorn" wya.asgi:application --host "${HOST:-127.0.0.1}" --port "${1:-8000}" \
  "${PROXY[@]}" --loop uvloop --http httptools --ws "$WS" --ws-max-size 1048576 \
  --ws-per-message-deflate false --lifespan off --no-access-log --log-level warning --timeout-graceful-shutdown 5 \
  --ws-ping-interval 60 --ws-ping-timeout 30
