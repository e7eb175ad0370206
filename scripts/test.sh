#!/usr/bin/env bash
# The second README command: install what the tests need, start a throwaway PostGIS cluster,
# run lint, type checks and the whole test suite on SQLite and on PostGIS, stop the cluster.
# Fails if the PostGIS run collects fewer tests than the SQLite run, or if either skips any.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-system.sh
scripts/setup.sh
PY=.venv/bin/python

echo "== ruff and mypy"
.venv/bin/ruff check src tests bench scripts
.venv/bin/ruff format --check src tests bench scripts
.venv/bin/mypy

eval "$(scripts/pgcluster.sh start)"
trap 'scripts/pgcluster.sh stop' EXIT
reports=$(mktemp -d)
echo "== browser test screenshots: artifacts/screenshots/{sqlite,postgis}/ (Chromium: $(command -v chromium))"

echo "== tests on SQLite"
CLEARGROUND_TEST_BACKEND=sqlite $PY -m pytest -p no:cacheprovider --junitxml="$reports/sqlite.xml" "$@"
echo "== tests on PostGIS ($CLEARGROUND_TEST_PG_URL)"
CLEARGROUND_TEST_BACKEND=postgis $PY -m pytest -p no:cacheprovider --junitxml="$reports/postgis.xml" "$@"

$PY scripts/compare_runs.py "$reports/sqlite.xml" "$reports/postgis.xml"
