#!/usr/bin/env bash
# Install everything the suite needs, then run the whole test suite.
# Uses DATABASE_URL / REDIS_URL when they are set (CI sets both), else the embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/install-chromium.sh
exec .venv/bin/python -m pytest "$@"
