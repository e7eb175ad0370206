#!/usr/bin/env bash
# The first README command: set up, build the demo scenario into ./clearground.db (SQLite)
# and serve the web app. Extra arguments go to `clearground demo` (e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/clearground demo "$@"
