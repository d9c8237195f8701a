#!/usr/bin/env bash
# GETs of waiting generations behind 100,000 others at 200 req/s, an older gateway binary against this tree's, twice each,
# on one throwaway PostgreSQL. Build the old one with `git worktree add /tmp/old REV && (cd /tmp/old && swift build -c release
# --product gateway --scratch-path /tmp/old/.build-release)`, this one with `swift build -c release --scratch-path .build-release`.
# Usage: Benchmarks/compare-gateway-get.sh OLD_GATEWAY_BINARY
set -euo pipefail
old=${1:?usage: Benchmarks/compare-gateway-get.sh OLD_GATEWAY_BINARY}
old=$(realpath "$old")
cd "$(dirname "$0")/.."
source scripts/lib/postgres.sh
source scripts/lib/stack.sh
tmp=$(mktemp -d /tmp/getbench.XXXXXX)
trap 'pg_stop; rm -rf "$tmp"' EXIT
pg_start "$tmp/pg"
server=$DATABASE_URL
psql "$server" -qc "CREATE DATABASE bench_get" >/dev/null
export DATABASE_URL="${server%/*}/bench_get?sslmode=disable"
release=.build-release/release
$release/gateway migrate >/dev/null
user=00000000-0000-4000-8000-00000000be70
export AUTH_JWT_SECRET=$(python3 -c "import secrets; print(secrets.token_hex(32))") FILES_URL_SECRET=$(python3 -c "import secrets; print(secrets.token_hex(32))")
run() {
    local binary=$1 label=$2
    port=$(pg_free_port); internal=$(pg_free_port)
    HTTP_PORT=$port GATEWAY_INTERNAL_PORT=$internal LOG_LEVEL=warning GATEWAY_MIGRATE_ON_START=false GATEWAY_RATE_PER_MINUTE=1000000 \
        STORAGE_DIR="$tmp/images" $binary >"$tmp/gw.log" 2>&1 &
    pid=$!
    stack_wait_ready "http://127.0.0.1:$internal" gateway "$tmp/gw.log"
    export GATEWAY_URL="http://127.0.0.1:$port" BENCH_TOKEN=$($release/gateway token --user $user)
    echo -n "$label: "
    $release/imagegen-benchmark gateway-get --user $user --queued 100000 --rate 200 --seconds 20
    kill $pid; wait $pid 2>/dev/null || true
}
for round in 1 2; do
    run "$old" "before ($old)"
    run $release/gateway "after (HEAD)"
done
