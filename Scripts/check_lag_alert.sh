#!/usr/bin/env bash
# `make check-lag-alert` (part of `make test`), run inside `Scripts/services.sh run --`: a real
# Prometheus (Debian's package) scrapes the processor and `skillstream lag-exporter` with the
# alerting rules of Deploy/prometheus/rules.yml, unchanged, while the simulator feeds the input
# topics live. While the processor runs, the lag alert must stay quiet; once it is stopped (the
# simulator still producing), SkillStreamConsumerLagGrowing must fire; once it runs again, the
# alert must clear. About 9 minutes: the rule waits 5 minutes by design.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${SKILLSTREAM_KAFKA_BROKERS:?run inside Scripts/services.sh run --}" "${SKILLSTREAM_POSTGRES_URL:?}"
bin=${LAG_CHECK_BINARY:-.build/debug/skillstream}
export LD_LIBRARY_PATH="$PWD/.build-runtime/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
work=$(mktemp -d /tmp/skillstream-lag-alert.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 2
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
say() { echo "check-lag-alert: $(date -u +%H:%M:%S) $*"; }
prefix="lagcheck$RANDOM."
group="lag-check-$RANDOM"
exporter_port=$(free_port); processor_port=$(free_port); prometheus_port=$(free_port)

"$bin" migrate >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log" >&2; exit 1; }
"$bin" topics create --partitions 3 --topic-prefix "$prefix" >/dev/null
start_processor() {
    "$bin" process --topic-prefix "$prefix" --group "$group" --metrics-port "$processor_port" --metrics-host 127.0.0.1 \
        --consumer-property session.timeout.ms=6000 --log-level warning >>"$work/processor.log" 2>&1 &
    processor=$!
    pids+=("$processor")
}
start_processor
"$bin" lag-exporter --topic-prefix "$prefix" --group "$group" --port "$exporter_port" --host 127.0.0.1 --interval-ms 2000 \
    --log-level warning >"$work/exporter.log" 2>&1 &
pids+=($!)
# A live feed: 4 restaurants at 40 records a second, far longer than the check.
"$bin" simulate --topic-prefix "$prefix" --partitions 3 --restaurants 4 --days 90 --rate 40 --quiet \
    --ground-truth "$work/ground-truth.json" >"$work/simulator.log" 2>&1 &
pids+=($!)

cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files:
  - $PWD/Deploy/prometheus/rules.yml
scrape_configs:
  - job_name: skillstream-processor
    static_configs:
      - targets: ["127.0.0.1:$processor_port"]
  - job_name: skillstream-lag-exporter
    static_configs:
      - targets: ["127.0.0.1:$exporter_port"]
YAML
prometheus --config.file "$work/prometheus.yml" --storage.tsdb.path "$work/tsdb" --web.listen-address "127.0.0.1:$prometheus_port" \
    >"$work/prometheus.log" 2>&1 &
pids+=($!)

# The state of the lag alert ("inactive", "pending" or "firing") and the group's total lag, from Prometheus' API.
query() {
    python3 - "$prometheus_port" <<'PY'
import json, sys, urllib.request, urllib.parse
base = f"http://127.0.0.1:{sys.argv[1]}/api/v1/"
alerts = json.load(urllib.request.urlopen(base + "alerts"))["data"]["alerts"]
states = [a["state"] for a in alerts if a["labels"]["alertname"] == "SkillStreamConsumerLagGrowing"]
state = "firing" if "firing" in states else "pending" if "pending" in states else "inactive"
result = json.load(urllib.request.urlopen(base + "query?" + urllib.parse.urlencode({"query": "sum(skillstream_group_lag_messages)"})))["data"]["result"]
print(state, result[0]["value"][1] if result else "none")
PY
}
# wait_for SECONDS DESCRIPTION CONDITION: polls `query` every 5 s until CONDITION (on $state, $lag) holds.
wait_for() {
    local deadline=$((SECONDS + $1)) state lag
    while ((SECONDS < deadline)); do
        read -r state lag < <(query 2>/dev/null || echo "unreachable none")
        if eval "$3"; then say "$2: alert $state, group lag $lag"; return 0; fi
        sleep 5
    done
    say "FAILED: $2 within $1 s (alert $state, group lag $lag)"
    tail -n 20 "$work"/*.log >&2
    return 1
}

wait_for 120 "the exporter measures the group and the processor keeps up" '[ "$lag" != none ] && [ "$lag" -lt 100 ] 2>/dev/null'
say "processor running: the alert must stay quiet for 2 minutes"
deadline=$((SECONDS + 120))
while ((SECONDS < deadline)); do
    read -r state lag < <(query 2>/dev/null || echo "unreachable none")
    if [ "$state" != inactive ]; then say "FAILED: the alert is $state while the processor runs (group lag $lag)"; exit 1; fi
    sleep 5
done
say "quiet while running (group lag $lag)"
kill -TERM "$processor"; wait "$processor" || true
remaining=(); for pid in "${pids[@]}"; do [ "$pid" = "$processor" ] || remaining+=("$pid"); done; pids=("${remaining[@]}")
stopped=$SECONDS
say "processor stopped; the simulator keeps producing"
wait_for 480 "the alert fires" '[ "$state" = firing ]'
say "fired $((SECONDS - stopped)) s after the processor stopped"
start_processor
restarted=$SECONDS
wait_for 240 "the alert clears once the processor is back" '[ "$state" = inactive ]'
say "cleared $((SECONDS - restarted)) s after the processor restarted"
say "passed"
