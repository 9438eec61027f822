#!/usr/bin/env bash
# What the monthly report (python -m qjgov.report) and its tests need from Debian:
#   Pango and HarfBuzz, which WeasyPrint sets text with (libpango-1.0-0, libpangoft2-1.0-0,
#   libharfbuzz-subset0 for embedding font subsets);
#   Noto CJK (fonts-noto-cjk), the Chinese font embedded in the PDF;
#   poppler-utils (pdftotext, pdffonts, pdftoppm), with which tests/test_report.py reads the PDF.
# packages.txt lists the same runtime packages for Streamlit Community Cloud.
# Idempotent: does nothing when all are installed. Needs root (CI runs as root).
set -euo pipefail

PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils)
missing=()
for package in "${PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "report packages are installed: ${PACKAGES[*]}"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
pdftotext -v 2>&1 | head -1
