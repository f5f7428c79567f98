#!/usr/bin/env bash
# Debian's Chromium, which `outflow scan`, its tests and scripts/bench-scan
# drive over the DevTools Protocol. outflow launches the binary directly
# (/usr/lib/chromium/chromium) rather than Debian's /usr/bin/chromium wrapper,
# whose /etc/chromium.d/ flags (--disable-pings among them) would hide
# behaviour from a scan.
set -euo pipefail
binary=/usr/lib/chromium/chromium
if [ -x "$binary" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "setup: $binary is missing and apt-get is not available; install Chromium (Debian package 'chromium') by hand" >&2
  exit 1
fi
echo "setup: $binary is missing; installing Debian's chromium package" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
if [ ! -x "$binary" ]; then
  echo "setup: the chromium package was installed but $binary is still missing" >&2
  exit 1
fi
