#!/bin/sh
# Installs what the browser tests need: Debian's chromium (when /usr/bin/chromium is missing),
# a CJK font so Chinese text renders in screenshots, and playwright-core (an npm devDependency
# that drives the system chromium; it downloads no browser of its own).
set -e
cd "$(dirname "$0")/../.."
SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo"
NEED=""
BROWSER="${CHROME_PATH:-${CHROMIUM_PATH:-/usr/bin/chromium}}"
[ -x "$BROWSER" ] || NEED="chromium"
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then NEED="$NEED fonts-wqy-microhei"; fi
if [ -n "$NEED" ]; then
  # Without root (and no password-less sudo) nothing is installed: the browser tests then run
  # with CHROME_PATH, or skip saying why; the rest of the suite needs neither.
  if [ -n "$SUDO" ] && ! sudo -n true 2>/dev/null; then
    echo "ui/e2e/setup.sh: not root, cannot install $NEED; browser tests use CHROME_PATH or are skipped"
  elif ! command -v apt-get >/dev/null 2>&1; then
    echo "ui/e2e/setup.sh: no apt-get to install $NEED; browser tests use CHROME_PATH or are skipped"
  else
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $NEED
  fi
fi
[ -d node_modules/playwright-core ] || npm install --no-save playwright-core
"$BROWSER" --version 2>/dev/null || true
