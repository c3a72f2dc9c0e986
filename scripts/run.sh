#!/usr/bin/env bash
# Install, migrate and serve WYA!? at http://127.0.0.1:8000 (pages, API and WebSocket).
# With no environment this is the embedded default: SQLite, in-memory channel layer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/python manage.py migrate --noinput
# First run (no accounts yet, DEBUG on): load the demo world so a newcomer lands in a living app.
.venv/bin/python manage.py seed_demo --first-run
exec scripts/serve.sh 8000
