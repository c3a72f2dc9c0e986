#!/usr/bin/env bash
# Install nginx (Debian package) for the deployment recipe (deploy/, scripts/deploy_local.sh).
# Does nothing when nginx is already there. Never starts the system service.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends nginx-light >/dev/null || \
  apt-get install -y -qq --no-install-recommends nginx >/dev/null
# The package may start its own service on port 80; the recipe runs its own nginx instead.
if command -v service >/dev/null 2>&1; then service nginx stop >/dev/null 2>&1 || true; fi
