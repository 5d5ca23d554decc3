#!/usr/bin/env bash
# Installs what the benchmarks need: wrk (Debian) and the project itself in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -e .
