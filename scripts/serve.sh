#!/usr/bin/env bash
# One ASGI process of WYA!? (pages, API, WebSocket): uvicorn with uvloop and httptools, chosen by
# bench/sweep.py's numbers (docs/performance.md). Run several on several ports behind a proxy.
#   scripts/serve.sh [PORT]          HOST (default 127.0.0.1) picks the interface
# SIGTERM/SIGINT: stops accepting, closes every socket with 1012 (service restart: clients
# reconnect) and exits; in-flight work gets at most 5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/uvicorn wya.asgi:application --host "${HOST:-127.0.0.1}" --port "${1:-8000}" \
  --loop uvloop --http httptools --ws websockets-sansio --ws-max-size 1048576 \
  --ws-per-message-deflate false --lifespan off --no-access-log --log-level warning --timeout-graceful-shutdown 5
