#!/usr/bin/env bash
# The browser tests drive Debian's headless Chromium (/usr/bin/chromium) through Playwright;
# Playwright's own browser download is not used. Install it from Debian when it is missing.
set -euo pipefail
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "Chromium is missing at $CHROMIUM: install Debian's 'chromium' package (browser tests need it)." >&2
  exit 1
fi
echo "Installing Debian's chromium for the browser tests..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
