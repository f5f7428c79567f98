#!/usr/bin/env bash
# Debian's PostgreSQL server, for the crawl queue's tests against a real
# server (scripts/postgres-start runs a private cluster of it on loopback).
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "setup: PostgreSQL is missing and apt-get is not available; install Debian's 'postgresql' package by hand" >&2
  exit 1
fi
echo "setup: PostgreSQL is missing; installing Debian's postgresql package" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends postgresql >/dev/null
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "setup: the postgresql package was installed but no initdb was found under /usr/lib/postgresql" >&2
  exit 1
fi
