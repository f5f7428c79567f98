#!/usr/bin/env bash
# The unprivileged user Chromium runs as when outflow runs as root (CI,
# containers): Chromium refuses its sandbox as root, and outflow will not run
# a hostile page unsandboxed as root. outflow looks the user up by name
# (OUTFLOW_CHROMIUM_USER, default outflow-chromium) in /etc/passwd.
# Nothing is needed when outflow does not run as root.
set -euo pipefail
user="${OUTFLOW_CHROMIUM_USER:-outflow-chromium}"
if getent passwd "$user" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: user $user is missing; outflow only needs it when run as root (then: sudo useradd --system --no-create-home --shell /usr/sbin/nologin $user)" >&2
  exit 0
fi
if ! command -v useradd >/dev/null; then
  echo "setup: useradd is not available; create the system user $user by hand" >&2
  exit 1
fi
echo "setup: creating the system user $user for Chromium" >&2
useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
