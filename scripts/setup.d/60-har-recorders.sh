#!/usr/bin/env bash
# The HAR writers outflow's HAR tests record with, at pinned versions:
# Playwright (npm playwright-core, fixtures/har-recorders/package.json, driving
# Debian's Chromium; it downloads no browser) and mitmproxy (PyPI, in a venv at
# .cache/har-recorders/venv, fixtures/har-recorders/requirements.txt).
# Idempotent: each is installed only when missing or when its pin changed.
set -euo pipefail
dir=fixtures/har-recorders
if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package.json" -nt "$dir/node_modules/.package-lock.json" ]; then
  (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
venv=.cache/har-recorders/venv
stamp="$venv/.requirements.txt"
if [ ! -x "$venv/bin/mitmdump" ] || ! cmp -s "$dir/requirements.txt" "$stamp"; then
  if ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  fi
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$dir/requirements.txt"
  cp "$dir/requirements.txt" "$stamp"
fi
