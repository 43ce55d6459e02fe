#!/usr/bin/env bash
# Debian packages cpip needs. `runtime`: Pango, HarfBuzz subsetting and a font for the PDF briefings.
# `test` (the default) adds LibreOffice (to re-save workbooks as officers' LibreOffice does), poppler
# (PDF checks) and Chromium (accessibility checks). Installs only what is missing; needs root.
set -euo pipefail
what="${1:-test}"
need=()
have_pkg() { dpkg -s "$1" >/dev/null 2>&1; }
for p in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; do
  have_pkg "$p" || need+=("$p")
done
if [ "$what" = "test" ]; then
  command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: not root, so not installing ${need[*]}; install them with apt-get (tests needing them are skipped)." >&2
  exit 0
fi
echo "system-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
