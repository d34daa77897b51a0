#!/usr/bin/env bash
# Makes sure a Chromium exists for the run console's browser test (puppeteer-core drives it and
# downloads no browser). `npm test` runs this first. A fast no-op when one is installed.
# Installs nothing as a normal user: it says what to run.
set -euo pipefail

have_chromium() {
  [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ] && return 0
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

have_chromium && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: no chromium found; the console's browser test will fail." >&2
  echo "ensure-chromium: install it as root: apt-get install -y chromium (or set CHROMIUM_PATH)." >&2
  exit 0
fi

echo "ensure-chromium: installing chromium with apt-get..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null

if have_chromium; then
  echo "ensure-chromium: installed $(command -v chromium || command -v chromium-browser)" >&2
else
  echo "ensure-chromium: apt-get finished but no chromium is on the PATH." >&2
  exit 1
fi
