#!/usr/bin/env bash
# `make demo`: the whole product on this machine. Starts a throwaway PostgreSQL and a Tansu broker
# (left running; `make demo-stop` stops them), applies the schema, then runs the simulator (four
# weeks of 12 restaurants, a simulated day per second, following half of the recommendations)
# and the processor side by side, with the processor's progress on the terminal, and ends with
# the summary from PostgreSQL: the top gaps per restaurant with their evidence and the training
# recommended. Then it starts the API and dashboard (`skillstream serve`, port 8080 or DEMO_PORT,
# else a free one; its /metrics on 9466, else a free one) and the group's lag exporter (port 9465,
# else a free one) and writes a token per role to tokens.txt. DEMO_LANGUAGE=en for English.
set -euo pipefail
dir=$1
language=${DEMO_LANGUAGE:-es}
bin=.build/debug/skillstream
say() { if [ "$language" = en ]; then echo "$2"; else echo "$1"; fi; }

Scripts/services.sh stop "$dir" 2>/dev/null || true
rm -rf "$dir"
Scripts/services.sh start "$dir"
source "$dir/services.env"
"$bin" migrate
"$bin" doctor
"$bin" topics create --partitions 6
kafka=(--consumer-property session.timeout.ms=6000 --consumer-property heartbeat.interval.ms=500)

echo
say "Simulando 4 semanas de 12 restaurantes (un día por segundo) y procesándolas en vivo…" \
    "Simulating 4 weeks of 12 restaurants (a day per second) and processing them live…"
"$bin" process --progress --language "$language" --exit-when-idle 10 --log-level warning "${kafka[@]}" 2>"$dir/processor.log" &
processor=$!
trap 'kill $processor 2>/dev/null || true' EXIT
"$bin" simulate --days 28 --speed 86400 --follow-recommendations 0.5 --quiet --ground-truth "$dir/ground-truth.json" >"$dir/simulator.log" 2>&1
say "Simulación terminada; el procesador termina lo que queda…" "Simulation done; the processor finishes what is left…"
wait $processor
trap - EXIT

echo
"$bin" summary --language "$language"

# The API and the dashboard over the same database, left running with the servers.
head -c 48 /dev/urandom | base64 >"$dir/jwt-secret"
# The port asked for when it is free, else a free one.
port_or_free() {
    python3 - "$1" <<'PY'
import socket, sys
wanted = int(sys.argv[1])
if socket.socket().connect_ex(("127.0.0.1", wanted)) != 0:
    print(wanted)
else:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])
PY
}
port=$(port_or_free "${DEMO_PORT:-8080}")
api_metrics_port=$(port_or_free 9466)
nohup "$bin" serve --port "$port" --metrics-port "$api_metrics_port" --metrics-host 127.0.0.1 --jwt-secret-file "$dir/jwt-secret" --log-format json \
    >"$dir/serve.log" 2>&1 &
echo $! >"$dir/serve.pid"
lag_port=$(port_or_free 9465)
nohup "$bin" lag-exporter --port "$lag_port" --host 127.0.0.1 --log-format json >"$dir/lag-exporter.log" 2>&1 &
echo $! >"$dir/lag-exporter.pid"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$lag_port/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$lag_port/healthz" >/dev/null || { echo "The lag exporter did not start; see $dir/lag-exporter.log" >&2; exit 1; }
restaurant=$(psql "$SKILLSTREAM_POSTGRES_URL" -Atc "SELECT restaurant_id FROM gap_alerts WHERE status = 'open' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
staff=$(psql "$SKILLSTREAM_POSTGRES_URL" -Atc "SELECT staff_id FROM gap_alerts WHERE status = 'open' AND restaurant_id = '$restaurant' ORDER BY severity DESC, staff_id LIMIT 1")
token() { "$bin" token issue --jwt-secret-file "$dir/jwt-secret" --valid-hours 24 "$@"; }
{
    echo "owner              $(token --role owner --subject duena@example.pe)"
    echo "manager            $(token --role manager --restaurant "$restaurant" --subject gerente@example.pe)"
    echo "training_manager   $(token --role training_manager --restaurant "$restaurant" --subject capacitacion@example.pe)"
    echo "experience_manager $(token --role experience_manager --restaurant "$restaurant" --subject experiencia@example.pe)"
    echo "staff              $(token --role staff --restaurant "$restaurant" --staff "$staff" --subject "$staff")"
    echo "operator           $(token --role operator --subject operaciones@example.pe)"
} >"$dir/tokens.txt"
echo
say "Panel web: http://localhost:$port/dashboard — entre pegando un token de $dir/tokens.txt (uno por rol; el de dueño ve todo)." \
    "Dashboard: http://localhost:$port/dashboard — sign in by pasting a token from $dir/tokens.txt (one per role; the owner's sees everything)."
say "API: curl -H \"Authorization: Bearer \$(awk '\$1==\"owner\"{print \$2}' $dir/tokens.txt)\" http://localhost:$port/api/v1/restaurants  (Schemas/openapi.yaml)" \
    "API: curl -H \"Authorization: Bearer \$(awk '\$1==\"owner\"{print \$2}' $dir/tokens.txt)\" http://localhost:$port/api/v1/restaurants  (Schemas/openapi.yaml)"
say "Retraso del grupo de procesadores, para Prometheus: http://127.0.0.1:$lag_port/metrics (skillstream_group_lag_messages; reglas de alerta en Deploy/prometheus/rules.yml)" \
    "The processor group's lag, for Prometheus: http://127.0.0.1:$lag_port/metrics (skillstream_group_lag_messages; alerting rules in Deploy/prometheus/rules.yml)"
say "Métricas de la API, para Prometheus: http://127.0.0.1:$api_metrics_port/metrics (hb_requests, http_server_request_duration por ruta y estado)" \
    "The API's metrics, for Prometheus: http://127.0.0.1:$api_metrics_port/metrics (hb_requests, http_server_request_duration by route and status)"
say "PostgreSQL, el broker Kafka, la API y el exportador del retraso siguen en marcha (variables en $dir/services.env; registros en $dir). Para detenerlos: make demo-stop" \
    "PostgreSQL, the Kafka broker, the API and the lag exporter keep running (variables in $dir/services.env; logs in $dir). Stop them with: make demo-stop"
