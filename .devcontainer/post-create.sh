#!/usr/bin/env bash
# Codespaces / VS Code dev container: install the course (the locked versions, as the README and Binder do), then
# run lab 00's environment check headlessly: packages, data checksums, the tracking store.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -r requirements.txt
python -m mlopslab data verify
python -m mlopslab run --labs 00 --out build/environment-check
echo "Ready: open labs/00_welcome.ipynb (or run 'jupyter lab --ip 0.0.0.0' for JupyterLab)."
