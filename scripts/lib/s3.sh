# shellcheck shell=bash
# A real S3-compatible server for the tests: moto's server mode (moto[server] from PyPI) in .build-tools/s3-venv.
#   s3_install                 installs it when missing; exports MOTO_SERVER
#   s3_start BUCKET            starts it on a free port, creates BUCKET; exports S3_ENDPOINT, AWS_* test credentials
#   s3_stop
s3_install() {
    local venv=${IMAGEGEN_S3_VENV:-$PWD/.build-tools/s3-venv}
    source "$(dirname "${BASH_SOURCE[0]}")/venv.sh"
    venv_ensure "$venv" 'moto.server' "moto[server]==5.1.4"
    export MOTO_SERVER="$venv/bin/moto_server"
}

s3_start() {
    local bucket=$1 port
    s3_install
    port=$(pg_free_port)
    "$MOTO_SERVER" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
    S3_PID=$!
    export S3_ENDPOINT="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
    for _ in $(seq 1 300); do
        python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$S3_ENDPOINT/" >/dev/null 2>&1 && break
        sleep 0.1
    done
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="PUT"), timeout=5)' \
        "$S3_ENDPOINT/$bucket" >/dev/null
}

s3_stop() { [ -n "${S3_PID:-}" ] && kill "$S3_PID" 2>/dev/null; wait "${S3_PID:-}" 2>/dev/null || true; }
