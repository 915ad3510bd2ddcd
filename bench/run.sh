#!/usr/bin/env bash
# The one command: installs wrk if it is missing (Debian, as root), then runs every benchmark
# with the project's virtual environment. Extra arguments go to `python -m bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq wrk || echo "wrk not installed: using the asyncio load generator"
  else
    echo "wrk missing and not root: using the asyncio load generator"
  fi
fi
python="${PYTHON:-}"
for candidate in "${VIRTUAL_ENV:-}/bin/python" .venv/bin/python /work/venv/bin/python; do
  [ -z "$python" ] && [ -x "$candidate" ] && python="$candidate"
done
"${python:-python3}" -m bench "$@"
"${python:-python3}" -m bench.load --clients 200 --jobs 2000
"${python:-python3}" -m bench.fuzz --cases 5000
