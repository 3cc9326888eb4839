#!/usr/bin/env bash
# Installs what is missing, builds, and opens MoE Explorer on its default session.
# Without a display (or a GUI build) it runs moe-train on the default task instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh release
if [ -x build/release/app/moe-explorer ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec build/release/app/moe-explorer "$@"
fi
echo "No display found: running the headless trainer on the default task." >&2
exec build/release/app/moe-train "$@"
