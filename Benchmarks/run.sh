#!/usr/bin/env bash
# Runs every benchmark on this machine and prints the figures Benchmarks/README.md reports. Not part of the tests.
# Usage: Benchmarks/run.sh [queue|dispatch|downloader|gateway|batch|stack|stack-pgbouncer|tracing|capacity|notifier|all]   (release build; a throwaway PostgreSQL, fsync on)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/postgres.sh
source scripts/lib/stack.sh
what=${1:-all}

echo "==> swift build -c release --scratch-path .build-release" >&2
swift build -c release --scratch-path .build-release 2>&1 | grep -E "error|Compiling|Build complete" | tail -3 >&2
release=.build-release/release
bench=$release/imagegen-benchmark
# The stack's executables; BENCH_SERVICES_BIN points them at another build (an earlier commit's, for a figure before a
# change) while this build's benchmark measures them.
services=${BENCH_SERVICES_BIN:-$release}
tmp=$(mktemp -d /tmp/imagegen-bench.XXXXXX)
# The benchmarks measure this system, not Replicate's account limit: the generators' shared create budget is off.
export REPLICATE_CREATE_RATE_PER_MINUTE=0
cleanup() { stack_stop; pg_stop; rm -rf "$tmp"; }
trap cleanup EXIT
pg_start "$tmp/pg"
server=$DATABASE_URL
fresh_db() {
    local name=bench_$1
    psql "$server" -qc "DROP DATABASE IF EXISTS $name" -qc "CREATE DATABASE $name" >/dev/null
    export DATABASE_URL="${server%/*}/$name?sslmode=disable"
    $release/gateway migrate >/dev/null
}
# A gateway alone (no dispatcher draining the queue), so the figures are its own; sets gateway_pid, GATEWAY_URL and
# BENCH_TOKEN (for user $1).
gateway_alone() {
    export AUTH_JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
    export FILES_URL_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
    local port internal_port
    port=$(pg_free_port)
    internal_port=$(pg_free_port)
    HTTP_PORT=$port GATEWAY_INTERNAL_PORT=$internal_port LOG_LEVEL=warning GATEWAY_RATE_PER_MINUTE=1000000 \
        GATEWAY_WRITE_RATE_PER_MINUTE=1000000 GATEWAY_MAX_ACTIVE_PER_USER=100000 STORAGE_DIR="$tmp/images" \
        $release/gateway >"$tmp/gateway.log" 2>&1 &
    gateway_pid=$!
    stack_wait_ready "http://127.0.0.1:$internal_port" gateway "$tmp/gateway.log"
    export GATEWAY_URL="http://127.0.0.1:$port" BENCH_TOKEN=$($release/gateway token --user "$1")
}
# Where the machine's two cores went: CPU seconds of each stack process since it started.
stack_cpu() {
    local pid
    for pid in "${STACK_PIDS[@]}"; do
        [ -r /proc/$pid/stat ] || continue
        printf '%s %s\n' "$(tr '\0' ' ' </proc/$pid/cmdline | awk '{print $1}' | xargs basename)" \
            "$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' /proc/$pid/stat)"
    done | sort | tr '\n' ' ' | sed "s/^/$1: CPU seconds by process: /"
    # PostgreSQL's backends come and go: the server's own time, its finished children's, and its live children's.
    local master
    master=$(head -1 "$tmp/pg/postmaster.pid")
    { awk '{print $14 + $15 + $16 + $17}' /proc/$master/stat
      for pid in $(pgrep -P "$master"); do awk '{print $14 + $15}' /proc/$pid/stat 2>/dev/null; done
    } | awk -v hz="$(getconf CLK_TCK)" '{s += $1} END {printf "postgres %.1f (this benchmark'"'"'s server so far)\n", s / hz}'
}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(psql "$server" -tAc 'SELECT version()' | cut -d, -f1)"

if [ "$what" = queue ] || [ "$what" = all ]; then
    # The library against the bare-SQL reference and its peers, interleaved in three rounds, each system on a fresh
    # database loaded with its jobs before its consumers start (4 consumers, batches of 100). The peers are installed
    # here, never by scripts/test: PgQueuer, procrastinate and Celery from PyPI, Redis (Celery's broker) from Debian.
    peers=${IMAGEGEN_PEERS_VENV:-.build-tools/peers-venv}
    "$peers/bin/python" -c 'import pgqueuer, procrastinate, celery, redis' 2>/dev/null || {
        python3 -m venv "$peers"
        "$peers/bin/pip" install -q --disable-pip-version-check pgqueuer==1.6.0 procrastinate==3.10.0 celery==5.7.0 redis==8.2.0 \
            asyncpg==0.32.0 "psycopg[binary]==3.3.9"; }
    command -v redis-server >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2; }
    redis_port=$(pg_free_port)
    redis-server --port "$redis_port" --save "" --appendonly no --daemonize yes --logfile "$tmp/redis.log"
    for round in 1 2 3; do
        echo "queue round $round:"
        fresh_db queue
        "$bench" queue-throughput --jobs 100000 --consumers 4 --batch 100 | grep claim+complete
        # The same, its sessions as the dispatcher runs them: commits that do not wait for the WAL flush, generic plans.
        fresh_db queue
        "$bench" queue-throughput --jobs 100000 --consumers 4 --batch 100 --dispatcher-sessions | grep claim+complete | sed 's/^queue-throughput/queue-throughput (dispatcher sessions)/'
        # The bare-SQL reference: the same 100,000 jobs in a fresh table, claimed and completed by pgbench's 4 clients;
        # then the same with commits that do not wait for the WAL flush (as the dispatcher's sessions), and in one
        # statement per batch (the next claim and the last completion together).
        for variant in pgbench-claim pgbench-claim:async pgbench-claim-one-statement; do
            script=${variant%:*}
            options=""
            [ "$variant" = pgbench-claim:async ] && options="-c synchronous_commit=off"
            fresh_db queue_reference
            psql "$DATABASE_URL" -qc "INSERT INTO job_queue (job_type, payload) SELECT 'pgbench', '{}' FROM generate_series(1, 100000)" \
                -qc "VACUUM ANALYZE job_queue"
            start=$(date +%s.%N)
            PGOPTIONS="$options" "$PG_BIN/pgbench" -n -c 4 -j 2 -t 250 -f "Benchmarks/$script.sql" "$DATABASE_URL" >"$tmp/pgbench.log" 2>&1 || { cat "$tmp/pgbench.log" >&2; exit 1; }
            end=$(date +%s.%N)
            done_jobs=$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM job_queue WHERE job_type = 'pgbench' AND status = 'completed'")
            python3 -c "import sys; print(f'{sys.argv[4]}: claim+complete {int(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2])):.0f} jobs/s (4 clients, batch 100, {sys.argv[1]} jobs)')" \
                "$done_jobs" "$start" "$end" "$variant"
        done
        fresh_db queue_pgqueuer
        "$peers/bin/python" Benchmarks/peers.py pgqueuer --dsn "$DATABASE_URL" --jobs 100000 --consumers 4 --batch 100
        fresh_db queue_procrastinate
        "$peers/bin/python" Benchmarks/peers.py procrastinate --dsn "$DATABASE_URL" --jobs 20000 --consumers 4 --batch 25
        "$peers/bin/python" Benchmarks/peers.py celery --redis "redis://127.0.0.1:$redis_port/0" --jobs 20000 --consumers 4
    done
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
    fresh_db queue
    "$bench" queue-latency --rate 50 --seconds 10
fi

if [ "$what" = dispatch ] || [ "$what" = all ]; then
    fresh_db dispatch
    "$bench" dispatch --dispatcher $release/dispatcher --rate 50 --seconds 10 --jobs 20000 --concurrency 128
    # The same behind a week of history: a million finished jobs already in the table.
    fresh_db dispatch_history
    psql "$DATABASE_URL" -qc "INSERT INTO job_queue (job_type, payload, status, attempt_number, completed_at)
        SELECT 'noop', '{\"t0\": 0}', 'completed', 1, now() FROM generate_series(1, 1000000)" -qc "VACUUM ANALYZE job_queue"
    "$bench" dispatch --dispatcher $release/dispatcher --rate 50 --seconds 10 --jobs 20000 --concurrency 128
fi

if [ "$what" = downloader ] || [ "$what" = all ]; then
    fresh_db downloader
    echo "downloader-memory, files (STORAGE_DIR):"
    "$bench" downloader-memory --downloader $services/downloader --bytes 40960
    "$bench" downloader-memory --downloader $services/downloader --bytes 41943040
    "$bench" downloader-memory --downloader $services/downloader --bytes 40960 --count ${DOWNLOADER_COUNT:-2000}
    # The same into an S3-compatible bucket (moto's server): a multipart upload, one 5 MiB part in memory at a time.
    source scripts/lib/s3.sh
    s3_start bench
    echo "downloader-memory, S3 (STORAGE_URL=s3://…):"
    export STORAGE_URL="s3://bench/memory?endpoint=$S3_ENDPOINT&path_style=true"
    "$bench" downloader-memory --downloader $services/downloader --bytes 40960
    "$bench" downloader-memory --downloader $services/downloader --bytes 41943040
    "$bench" downloader-memory --downloader $services/downloader --bytes 40960 --count ${DOWNLOADER_S3_COUNT:-500}
    unset STORAGE_URL
    s3_stop
fi

if [ "$what" = gateway ] || [ "$what" = all ]; then
    # The gateway alone (no dispatcher draining the queue), so the figures are its own.
    fresh_db gateway
    user=00000000-0000-4000-8000-00000000be70
    gateway_alone $user
    "$bench" gateway-load --rate 200 --seconds 20 --concurrency 100
    # The same creates with an API key per user (looked up in PostgreSQL on every request) instead of a JWT, then with
    # keys that have a rate of their own (a second token bucket taken in the same statement).
    echo "with API keys:"
    "$bench" gateway-load --rate 200 --seconds 20 --concurrency 100 --api-keys
    echo "with API keys that have their own rate:"
    "$bench" gateway-load --rate 200 --seconds 20 --concurrency 100 --api-keys --key-rate 1000000
    # Pollers of waiting generations behind 100,000 others: the price of queue_position and the estimates.
    "$bench" gateway-get --user $user --queued 100000 --rate 200 --seconds 20
    "$bench" sse-fanout --streams 1000 --gateway-pid "$gateway_pid" --user $user
    kill $gateway_pid; wait $gateway_pid 2>/dev/null || true
fi

if [ "$what" = batch ] || [ "$what" = all ]; then
    # A batch of 10,000 accepted by a gateway alone (time to the 202, the gateway's memory), then one user's batch
    # through the whole stack while another user sends single requests.
    fresh_db batch
    user=00000000-0000-4000-8000-00000000be73
    gateway_alone $user
    "$bench" batch-accept --gateway-pid "$gateway_pid"
    kill $gateway_pid; wait $gateway_pid 2>/dev/null || true
    fresh_db batch_stack
    export STACK_BIN=$services LOG_LEVEL=warning
    SIMULATOR_TIME_SCALE=0.1 stack_start "$tmp/logs-batch" "$tmp/images"
    "$bench" batch-interleave --items 2000
    stack_cpu batch
    stack_stop
fi

# The pipeline benchmark over the whole stack, with CPU by process and the WAL written (label $1).
stack_pipeline() {
    export STACK_BIN=$services LOG_LEVEL=warning GATEWAY_MAX_ACTIVE_PER_USER=100000 GATEWAY_RATE_PER_MINUTE=1000000
    export GATEWAY_WRITE_RATE_PER_MINUTE=1000000 DISPATCH_CONCURRENCY=generate-image=1200,download-image=128
    SIMULATOR_TIME_SCALE=0 stack_start "$tmp/logs-$1" "$tmp/images"
    user=00000000-0000-4000-8000-00000000be71
    export BENCH_TOKEN=$($release/gateway token --user $user)
    wal_before=$(psql "$DATABASE_URL" -tAc "SELECT pg_current_wal_insert_lsn()")
    "$bench" pipeline --count 2000 --concurrency 64 --rate 20 --seconds 15
    # What the 2,300 generations cost: CPU by process (PostgreSQL's too) and the WAL they wrote (docs/scaling.md).
    stack_cpu "$1"
    psql "$DATABASE_URL" -tAc "SELECT '$1: WAL ' || pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$wal_before'))
        || ' for ' || count(*) || ' generations = ' || round(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$wal_before') / count(*) / 1024, 1)
        || ' KiB each' FROM image_generations"
}

if [ "$what" = stack ] || [ "$what" = all ]; then
    fresh_db stack
    stack_pipeline stack
    "$bench" generator --generator-pid "$GENERATOR_PID" --simulator "$SIMULATOR_URL" --in-flight 1000
fi

if [ "$what" = stack-pgbouncer ] || [ "$what" = all ]; then
    # The same pipeline with every pool behind PgBouncer in transaction mode (40 server connections for the stack's 100
    # client ones), LISTEN and migrations direct (docs/scaling.md, Behind PgBouncer); the pooler's CPU after the rest.
    source scripts/lib/pgbouncer.sh
    stack_stop
    fresh_db stack_pgbouncer
    pgbouncer_start "$tmp/pgbouncer" 40
    stack_pipeline stack-pgbouncer
    awk -v hz="$(getconf CLK_TCK)" '{printf "stack-pgbouncer: pgbouncer CPU seconds %.1f\n", ($14 + $15) / hz}' "/proc/$(cat "$PGBOUNCER_PID_FILE")/stat"
    stack_stop
    pgbouncer_stop
    export DATABASE_URL=$DATABASE_DIRECT_URL
    unset DATABASE_DIRECT_URL
fi

if [ "$what" = tracing ] || [ "$what" = all ]; then
    # What tracing costs: the pipeline benchmark with no exporter, then with every span of every service exported over
    # OTLP/HTTP to a local receiver (scripts/otlp_receiver.py); CPU seconds by process after each.
    venv=${IMAGEGEN_API_VENV:-.build-tools/api-venv}
    "$venv/bin/python" -c 'import opentelemetry.proto' 2>/dev/null || {
        python3 -m venv "$venv"; "$venv/bin/pip" install -q --disable-pip-version-check opentelemetry-proto==1.39.1; }
    for mode in off on; do
        stack_stop
        fresh_db tracing
        export STACK_BIN=$services LOG_LEVEL=warning GATEWAY_MAX_ACTIVE_PER_USER=100000 GATEWAY_RATE_PER_MINUTE=1000000
        export DISPATCH_CONCURRENCY=generate-image=1200,download-image=128
        unset OTEL_EXPORTER_OTLP_ENDPOINT
        if [ $mode = on ]; then
            receiver_port=$(pg_free_port)
            "$venv/bin/python" scripts/otlp_receiver.py "$tmp/spans.jsonl" "$receiver_port" &
            receiver=$!
            export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$receiver_port"
        fi
        USE_SIMULATOR=1 SIMULATOR_TIME_SCALE=0 stack_start "$tmp/logs-tracing-$mode" "$tmp/images"
        export BENCH_TOKEN=$($release/gateway token --user 00000000-0000-4000-8000-00000000be72)
        echo "tracing $mode:"
        "$bench" pipeline --count 2000 --concurrency 64 --rate 20 --seconds 15
        stack_cpu "tracing $mode"
        if [ $mode = on ]; then
            sleep 6  # the last batch of spans
            echo "tracing on: $(wc -l <"$tmp/spans.jsonl") spans received"
            kill $receiver
        fi
    done
    unset OTEL_EXPORTER_OTLP_ENDPOINT
fi

if [ "$what" = capacity ] || [ "$what" = all ]; then
    # Parking at default settings: many predictions of a slow model at once, without Replicate's webhooks, with them
    # (default events: start, logs, completed), and with them but no logs updates (REPLICATE_WEBHOOK_EVENTS).
    for mode in ${CAPACITY_MODES:-off webhooks webhooks-without-logs}; do
        stack_stop
        fresh_db capacity
        export STACK_BIN=$services LOG_LEVEL=warning GATEWAY_MAX_ACTIVE_PER_USER=100000 GATEWAY_RATE_PER_MINUTE=1000000
        unset DISPATCH_CONCURRENCY REPLICATE_WEBHOOK_EVENTS
        [ -n "${CAPACITY_DISPATCH_CONCURRENCY:-}" ] && export DISPATCH_CONCURRENCY=$CAPACITY_DISPATCH_CONCURRENCY
        webhooks=""
        [ "$mode" != off ] && webhooks=1
        [ "$mode" = webhooks-without-logs ] && export REPLICATE_WEBHOOK_EVENTS=start,completed
        REPLICATE_CREATE_RATE_PER_MINUTE=${CAPACITY_CREATE_RATE:-0} USE_SIMULATOR=1 STACK_WEBHOOKS=$webhooks SIMULATOR_TIME_SCALE=1 \
            stack_start "$tmp/logs-capacity-$mode" "$tmp/images"
        export BENCH_TOKEN=$($release/gateway token --user 00000000-0000-4000-8000-00000000be72)
        echo "capacity: $mode"
        "$bench" capacity --generator-pid "$GENERATOR_PID" --simulator "$SIMULATOR_URL" --count ${CAPACITY_COUNT:-1000} --rate ${CAPACITY_RATE:-0} \
            --warmup ${CAPACITY_WARMUP:-0} --model-seconds ${CAPACITY_MODEL_SECONDS:-30}
        stack_cpu capacity
    done
fi

if [ "$what" = notifier ] || [ "$what" = all ]; then
    # Client webhooks: receivers in the benchmark process, allowed as development origins.
    stack_stop
    fresh_db notifier
    receiver=$(pg_free_port); hanging=$(pg_free_port)
    export STACK_BIN=$services LOG_LEVEL=warning WEBHOOK_ALLOWED_ORIGINS="http://127.0.0.1:$receiver,http://127.0.0.1:$hanging"
    USE_SIMULATOR=1 stack_start "$tmp/logs-notifier" "$tmp/images"
    "$bench" notifier --receiver-port "$receiver" --hanging-port "$hanging"
    stack_cpu notifier
    unset WEBHOOK_ALLOWED_ORIGINS
fi
