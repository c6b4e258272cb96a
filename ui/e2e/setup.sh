#!/bin/sh
# Installs what the browser tests need: Debian's chromium (when /usr/bin/chromium is missing),
# a CJK font so Chinese text renders in screenshots, and playwright-core (an npm devDependency
# that drives the system chromium; it downloads no browser of its own).
set -e
cd "$(dirname "$0")/../.."
SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo"
NEED=""
[ -x /usr/bin/chromium ] || NEED="chromium"
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then NEED="$NEED fonts-wqy-microhei"; fi
if [ -n "$NEED" ]; then
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $NEED
fi
[ -d node_modules/playwright-core ] || npm install --no-save playwright-core
/usr/bin/chromium --version 2>/dev/null || true
