#!/usr/bin/env bash
# Mutation testing (cosmic-ray) of domain/, analysis/, store/repository/ and the permission
# code of web/records.py: each mutant of a target is tested with that target's test files only
# (bench/mutation.py TARGETS), on SQLite, one mutant at a time.
#
#   bench/mutation.sh                      every target (hours: see bench/README.md)
#   bench/mutation.sh analysis.statistics  named targets (bench/mutation.py list)
#   RESUME=1 bench/mutation.sh NAME        go on with an interrupted session
#   RETEST=1 bench/mutation.sh NAME        test the survivors of the last session again, with
#                                          the tests as they are now (after adding tests)
#
# Mutants are written into a copy of the checkout (bench/out/mutation/tree), never into the
# checkout itself. Sessions, configurations and report.md (score per target and every
# surviving mutant) are left in bench/out/mutation/. cosmic-ray is a test dependency
# (scripts/setup.sh installs it); COSMIC_RAY=/path/to/cosmic-ray uses another installation.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
py=${PYTHON:-$repo/.venv/bin/python}
cr=${COSMIC_RAY:-$repo/.venv/bin/cosmic-ray}
if [ ! -x "$cr" ]; then
  echo "cosmic-ray not found at $cr: run scripts/setup.sh (or set COSMIC_RAY)" >&2
  exit 1
fi
crdir=$(dirname "$cr")
out=$repo/bench/out/mutation
tree=$out/tree
mkdir -p "$out"

if [ -n "${RETEST:-}" ]; then
  RESUME=1
  rm -rf "$tree"
fi
if [ -z "${RESUME:-}" ] || [ ! -d "$tree" ]; then
  rm -rf "$tree"
  mkdir -p "$tree"
  # tracked and untracked (not ignored) files: the work tree as it is, without build outputs
  git ls-files -z -co --exclude-standard \
    | grep -zv -e '^bench/out/' -e '^\.venv' \
    | tar --null -T - -cf - | tar -xf - -C "$tree"
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <("$py" bench/mutation.py list | cut -d' ' -f1)
fi

for name in "${targets[@]}"; do
  cfg=$("$py" bench/mutation.py config "$name" "$tree" "$py" "$cr")
  session=$out/$name.sqlite
  cd "$tree"
  if [ -z "${RESUME:-}" ] || [ ! -f "$session" ]; then
    echo "== $name: baseline (the tests must pass unmutated)"
    "$cr" baseline "$cfg"
    rm -f "$session"
    "$cr" init "$cfg" "$session"
    "$crdir/cr-filter-operators" "$session" "$cfg"
    if grep -q 'line-filter' "$cfg"; then
      "$crdir/cr-filter-lines" --config "$cfg" "$session"
    fi
  fi
  if [ -n "${RETEST:-}" ]; then
    "$py" "$repo/bench/mutation.py" forget-survivors "$name"
  fi
  echo "== $name: $(date -u +%H:%M:%S) mutating"
  "$cr" exec "$cfg" "$session"
  cd "$repo"
  # the copy must be as it was: cosmic-ray restores each file after its mutant
  diff -rq -x __pycache__ -x '*.egg-info' "$repo/src" "$tree/src" >/dev/null || {
    echo "the copy of src/ differs from the checkout after $name" >&2
    exit 1
  }
done
"$py" bench/mutation.py report "${targets[@]}" | tee "$out/report.md"
