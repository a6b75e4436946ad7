#!/usr/bin/env bash
# The dashboard in a real browser (`make test-dashboard`, part of `make test`): on servers that
# Scripts/services.sh started, simulates three weeks of four restaurants, processes them, serves
# the API and dashboard, and has Scripts/check_dashboard.py drive headless Chromium over every
# page (screenshots in $1, default .build-screenshots). Exits non-zero on any problem.
set -euo pipefail
shots=${1:-.build-screenshots}
bin=.build/debug/skillstream
work=$(mktemp -d /tmp/skillstream-dashboard.XXXXXX)
trap 'kill $serve 2>/dev/null || true; rm -rf "$work"' EXIT
serve=
"$bin" migrate >/dev/null
"$bin" topics create --partitions 3 >/dev/null
"$bin" simulate --restaurants 4 --staff-per-restaurant 20 --days 21 --quiet --ground-truth "$work/truth.json" >"$work/simulate.log" 2>&1
"$bin" process --exit-when-idle 3 --log-level warning --metrics-port 0 \
    --consumer-property session.timeout.ms=6000 --consumer-property heartbeat.interval.ms=500 2>"$work/process.log"
head -c 48 /dev/urandom | base64 >"$work/secret"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --host 127.0.0.1 --port "$port" --metrics-port 0 --jwt-secret-file "$work/secret" --log-format json 2>"$work/serve.log" &
serve=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
python3 Scripts/check_dashboard.py --base "http://127.0.0.1:$port" --binary "$bin" --secret-file "$work/secret" --screenshots "$shots"
