#!/usr/bin/env bash
# The npm part of outflow's evaluation corpus (fixtures/eval/labels.toml):
# fingerprinting libraries as positives and libraries using the same browser
# APIs for honest reasons as hard negatives, at the versions pinned by
# fixtures/eval/npm/package-lock.json, installed into fixtures/eval/npm/node_modules
# (gitignored). `outflow eval fixtures/eval` and crates/outflow-eval's tests read them.
set -euo pipefail
dir=fixtures/eval/npm
if ! command -v npm >/dev/null; then
  echo "setup: npm is missing; installing Debian's nodejs and npm" >&2
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
for file in @fingerprintjs/fingerprintjs/dist/fp.js clientjs/dist/client.min.js \
  @thumbmarkjs/thumbmarkjs/dist/thumbmark.umd.js three/build/three.module.js \
  chart.js/dist/chart.umd.js tone/build/Tone.js howler/dist/howler.js konva/konva.js \
  simple-peer/simplepeer.min.js ua-parser-js/src/main/ua-parser.js; do
  if [ ! -s "$dir/node_modules/$file" ]; then
    echo "setup: $dir/node_modules/$file is missing after install" >&2
    exit 1
  fi
done
