#!/usr/bin/env bash
# Run every benchmark (not part of the tests). Starts its own PostGIS cluster.
#   bench/run.sh [--scale N]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-system.sh
scripts/setup.sh
eval "$(scripts/pgcluster.sh start)"
trap 'scripts/pgcluster.sh stop' EXIT
.venv/bin/python bench/scale_demo.py "$@"
.venv/bin/python bench/import_points.py
.venv/bin/python bench/prioritise.py
.venv/bin/python bench/forecast.py
.venv/bin/python bench/accuracy_match.py
.venv/bin/python bench/bulk_review.py
.venv/bin/python bench/web_load.py "$@"
