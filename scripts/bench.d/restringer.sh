#!/usr/bin/env bash
# restringer with its isolated-vm sandbox (fixtures/peer-suites/restringer-runner,
# pinned by its package-lock.json), the second peer scripts/bench-deobfuscate
# times. isolated-vm compiles at install (a few minutes, against Node's own
# headers). No test needs it, so scripts/setup leaves it out and only
# scripts/bench-deobfuscate runs this step; a failed build warns.
set -euo pipefail
dir=fixtures/peer-suites/restringer-runner
if ! command -v npm >/dev/null; then
  echo "setup: npm is missing; skipping restringer (only scripts/bench-deobfuscate uses it)" >&2
  exit 0
fi
if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) ||
    echo "setup: restringer could not be installed (isolated-vm did not build); scripts/bench-deobfuscate will skip it" >&2
fi
