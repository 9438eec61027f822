#!/usr/bin/env bash
# Chromium and a CJK font for tests/test_browser.py (Playwright drives Debian's Chromium).
# Without a CJK font Chromium draws every Chinese character as an empty box.
# Idempotent: does nothing when both are already there. Needs root (CI runs as root).
set -euo pipefail

have_font() { dpkg -s fonts-noto-cjk >/dev/null 2>&1 || { command -v fc-list >/dev/null && [ -n "$(fc-list :lang=zh 2>/dev/null)" ]; }; }

if [ -x /usr/bin/chromium ] && have_font; then
    echo "chromium and a CJK font are installed: $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium fonts-noto-cjk
/usr/bin/chromium --version
