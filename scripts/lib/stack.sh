# shellcheck shell=bash
# Starts the simulator and the five services (from $STACK_BIN, default .build/debug) against $DATABASE_URL;
# sourced by scripts/run, scripts/test-e2e and Benchmarks/run.sh.
#   stack_start LOG_DIR STORAGE_DIR  -> exports GATEWAY_URL, GATEWAY_INTERNAL_URL, DISPATCHER_URL, GENERATOR_URL, DOWNLOADER_URL,
#                                     NOTIFIER_URL, SIMULATOR_URL, AUTH_JWT_SECRET, INTERNAL_TOKEN, ADMIN_TOKEN, FILES_URL_SECRET; STACK_PIDS
#   stack_stop

stack_wait_ready() {
    local url=$1 name=$2 log=${3:-}
    for _ in $(seq 1 300); do
        python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$url/health/ready" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "$name did not become ready at $url" >&2
    [ -n "$log" ] && tail -n 20 "$log" >&2
    return 1
}

stack_start() {
    local logs=$1 storage=$2 bin=${STACK_BIN:-.build/debug}
    mkdir -p "$logs" "$storage"
    local port_sim port_gw port_gw_internal port_disp port_gen port_dl port_notify
    port_sim=$(pg_free_port); port_gw=$(pg_free_port); port_disp=$(pg_free_port); port_gen=$(pg_free_port); port_dl=$(pg_free_port)
    port_notify=$(pg_free_port)
    port_gw_internal=$(pg_free_port)
    export AUTH_JWT_SECRET=${AUTH_JWT_SECRET:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}
    export INTERNAL_TOKEN=${INTERNAL_TOKEN:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}
    export ADMIN_TOKEN=${ADMIN_TOKEN:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}
    export FILES_URL_SECRET=${FILES_URL_SECRET:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}
    export STORAGE_DIR=$storage PUBLIC_BASE_URL="http://127.0.0.1:$port_gw" LOG_LEVEL=${LOG_LEVEL:-info}
    STACK_PIDS=()
    # STACK_WEBHOOKS=1: Replicate's webhooks on, the simulator signing with the secret the gateway checks.
    local webhook_env=()
    if [ -n "${STACK_WEBHOOKS:-}" ]; then
        local webhook_secret="whsec_$(python3 -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(24)).decode())')"
        export SIMULATOR_WEBHOOK_SECRET=$webhook_secret REPLICATE_WEBHOOK_SECRET=$webhook_secret
        webhook_env=(REPLICATE_WEBHOOK_URL="http://127.0.0.1:$port_gw/v1/replicate/webhook")
    fi
    if [ -z "${REPLICATE_API_TOKEN:-}" ] || [ -n "${USE_SIMULATOR:-}" ]; then
        SIMULATOR_URL="http://127.0.0.1:$port_sim"
        HTTP_PORT=$port_sim SIMULATOR_PUBLIC_URL=$SIMULATOR_URL SIMULATOR_TIME_SCALE=${SIMULATOR_TIME_SCALE:-0.2} \
            "$bin/replicate-simulator" >"$logs/simulator.log" 2>&1 &
        STACK_PIDS+=($!)
        export REPLICATE_API_TOKEN=r8_simulator REPLICATE_BASE_URL=$SIMULATOR_URL
        export DOWNLOAD_ALLOWED_HOSTS="$SIMULATOR_URL"
        stack_wait_ready "$SIMULATOR_URL" simulator "$logs/simulator.log"
    else
        SIMULATOR_URL=""
        export REPLICATE_BASE_URL=${REPLICATE_BASE_URL:-https://api.replicate.com}
    fi
    "$bin/gateway" migrate >/dev/null
    HTTP_PORT=$port_gw GATEWAY_INTERNAL_PORT=$port_gw_internal "$bin/gateway" >"$logs/gateway.log" 2>&1 &
    STACK_PIDS+=($!)
    GATEWAY_PID=$!
    env "${webhook_env[@]}" HTTP_PORT=$port_gen "$bin/generator" >"$logs/generator.log" 2>&1 &
    STACK_PIDS+=($!)
    GENERATOR_PID=$!
    HTTP_PORT=$port_dl "$bin/downloader" >"$logs/downloader.log" 2>&1 &
    STACK_PIDS+=($!)
    HTTP_PORT=$port_notify "$bin/notifier" >"$logs/notifier.log" 2>&1 &
    STACK_PIDS+=($!)
    NOTIFIER_PID=$!
    HTTP_PORT=$port_disp \
        DISPATCH_ROUTES="generate-image=http://127.0.0.1:$port_gen,download-image=http://127.0.0.1:$port_dl,deliver-webhook=http://127.0.0.1:$port_notify,delete-files=http://127.0.0.1:$port_dl" \
        "$bin/dispatcher" >"$logs/dispatcher.log" 2>&1 &
    STACK_PIDS+=($!)
    GATEWAY_URL="http://127.0.0.1:$port_gw"
    GATEWAY_INTERNAL_URL="http://127.0.0.1:$port_gw_internal"
    DISPATCHER_URL="http://127.0.0.1:$port_disp"
    NOTIFIER_URL="http://127.0.0.1:$port_notify"
    GENERATOR_URL="http://127.0.0.1:$port_gen"
    DOWNLOADER_URL="http://127.0.0.1:$port_dl"
    export GATEWAY_URL GATEWAY_INTERNAL_URL DISPATCHER_URL SIMULATOR_URL NOTIFIER_URL GENERATOR_URL DOWNLOADER_URL GATEWAY_PID GENERATOR_PID NOTIFIER_PID
    stack_wait_ready "$GATEWAY_INTERNAL_URL" gateway "$logs/gateway.log"
    stack_wait_ready "http://127.0.0.1:$port_gen" generator "$logs/generator.log"
    stack_wait_ready "http://127.0.0.1:$port_dl" downloader "$logs/downloader.log"
    stack_wait_ready "$NOTIFIER_URL" notifier "$logs/notifier.log"
    stack_wait_ready "$DISPATCHER_URL" dispatcher "$logs/dispatcher.log"
}

stack_stop() {
    local pid
    for pid in "${STACK_PIDS[@]:-}"; do [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${STACK_PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
}
