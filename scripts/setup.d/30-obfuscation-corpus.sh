#!/usr/bin/env bash
# javascript-obfuscator 4.x and 5.x side by side (fixtures/obfuscation/npm,
# pinned by its package-lock.json), then the obfuscated corpus the
# deobfuscation tests and benchmark read (fixtures/obfuscation/corpus,
# gitignored; regenerated only when the sources, the generator or the lock
# file change).
set -euo pipefail
dir=fixtures/obfuscation/npm
if ! command -v npm >/dev/null; then
  echo "setup: npm is missing; installing Debian's nodejs and npm" >&2
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
node fixtures/obfuscation/generate-corpus.js
