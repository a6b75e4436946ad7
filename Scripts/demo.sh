#!/usr/bin/env bash
# `make demo`: the whole product on this machine. Starts a throwaway PostgreSQL and a Tansu broker
# (left running; `make demo-stop` stops them), applies the schema, then runs the simulator (four
# weeks of 12 restaurants, a simulated day per second, following half of the recommendations)
# and the processor side by side, with the processor's progress on the terminal, and ends with
# the summary from PostgreSQL: the top gaps per restaurant with their evidence and the training
# recommended. DEMO_LANGUAGE=en for English.
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
echo
say "PostgreSQL y el broker Kafka siguen en marcha (variables en $dir/services.env; registros en $dir)." \
    "PostgreSQL and the Kafka broker keep running (variables in $dir/services.env; logs in $dir)."
say "El panel web llega con el issue de la API. Para detener los servidores: make demo-stop" \
    "The web dashboard comes with the API issue. Stop the servers with: make demo-stop"
