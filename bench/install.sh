#!/usr/bin/env bash
# Installs what the benchmarks need: wrk (Debian), Prism (npm, pinned, into bench/.tools) and the project in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk
fi
if command -v npm >/dev/null; then
  [ -x bench/.tools/node_modules/.bin/prism ] \
    || npm install --silent --no-audit --no-fund --prefix bench/.tools @stoplight/prism-cli@5.16.0 >/dev/null
else
  echo "npm not found: Prism is skipped (run bench/run.py --no-prism)" >&2
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -e .
