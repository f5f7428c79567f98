#!/usr/bin/env bash
# Offline IP datasets for outflow-intel (IP -> country, IP -> ASN -> organisation),
# from the npm registry at pinned versions (data/ip/package-lock.json), installed
# into data/ip/node_modules (gitignored). Their npm channel is deprecated
# upstream: if a pinned version disappears, this step fails loudly and IP
# attributions say "IP dataset not installed".
set -euo pipefail
dir=data/ip
if ! command -v npm >/dev/null; then
  echo "setup: npm is missing; installing Debian's nodejs and npm" >&2
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
for file in asn/asn-ipv4-num.csv asn/asn-ipv6-num.csv iptoasn-country-mmdb/iptoasn-country.mmdb; do
  if [ ! -s "$dir/node_modules/@ip-location-db/$file" ]; then
    echo "setup: $dir/node_modules/@ip-location-db/$file is missing after install" >&2
    exit 1
  fi
done
