#!/usr/bin/env bash
# Real-world libraries used as regression inputs by the tests and benchmarks,
# fetched from the npm registry at pinned versions (fixtures/npm/package-lock.json).
set -euo pipefail
dir=fixtures/npm
if ! command -v npm >/dev/null; then
  echo "setup: npm is missing; installing Debian's nodejs and npm" >&2
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
