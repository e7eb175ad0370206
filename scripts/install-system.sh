#!/usr/bin/env bash
# Debian packages the tests need, installed only when missing (and only as root):
# PostgreSQL with the PostGIS matching its version, and Chromium for the browser tests.
set -euo pipefail
need=()
pgver=$(ls -1 /usr/lib/postgresql 2>/dev/null | sort -n | tail -1 || true)
[ -n "$pgver" ] && [ -x "/usr/lib/postgresql/$pgver/bin/initdb" ] || need+=(postgresql)
if [ -n "$pgver" ]; then
  [ -f "/usr/share/postgresql/$pgver/extension/postgis.control" ] || need+=("postgresql-$pgver-postgis-3")
fi
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Missing system packages: ${need[*]}. Install them (as root: apt-get install ${need[*]})." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
# postgresql pulls the server in; its PostGIS package is named after the version
pgver=$(ls -1 /usr/lib/postgresql | sort -n | tail -1)
if [ ! -f "/usr/share/postgresql/$pgver/extension/postgis.control" ]; then
  apt-get install -y -qq "postgresql-$pgver-postgis-3" >/dev/null
fi
