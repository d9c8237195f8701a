# shellcheck shell=bash
# Starts Debian's PgBouncer in transaction mode in front of the PostgreSQL server $DATABASE_URL names (installed when
# missing); sourced by scripts/test-pgbouncer and Benchmarks/run.sh.
#   pgbouncer_start WORK_DIR [POOL_SIZE] -> DATABASE_URL now goes through the pooler; DATABASE_DIRECT_URL is the server's
#                                           own (for LISTEN and migrations); every database of the server is served.
#   pgbouncer_stop

pgbouncer_start() {
    local work=$1 pool_size=${2:-40} port server_port
    if ! command -v pgbouncer >/dev/null && [ ! -x /usr/sbin/pgbouncer ]; then
        echo "==> Installing PgBouncer from Debian's packages" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >&2 \
            || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >&2; }
    fi
    mkdir -p "$work"
    port=$(pg_free_port)
    server_port=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlparse(sys.argv[1]).port)' "$DATABASE_URL")
    cat >"$work/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$server_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $work/users.txt
pool_mode = transaction
max_client_conn = 2000
default_pool_size = $pool_size
max_db_connections = $pool_size
server_reset_query =
server_idle_timeout = 5
ignore_startup_parameters = extra_float_digits
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
admin_users = postgres
INI
    echo '"postgres" ""' >"$work/users.txt"
    if [ "$(id -u)" = "0" ]; then
        chown -R postgres "$work"
        local parent=$work
        while [ "$parent" != "/" ]; do parent=$(dirname "$parent"); chmod o+x "$parent" 2>/dev/null || true; done
    fi
    pg_as_owner "$(command -v pgbouncer || echo /usr/sbin/pgbouncer)" -d "$work/pgbouncer.ini" \
        || { cat "$work/pgbouncer.log" >&2; return 1; }
    for _ in $(seq 1 50); do
        psql "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable" -tAc "SELECT 1" >/dev/null 2>&1 && break
        sleep 0.1
    done
    PGBOUNCER_PID_FILE=$work/pgbouncer.pid
    export DATABASE_DIRECT_URL=$DATABASE_URL
    export DATABASE_URL="${DATABASE_URL/:$server_port\//:$port/}"
    echo "==> PgBouncer $(pgbouncer --version 2>/dev/null | head -n 1 | awk '{print $2}') in transaction mode on 127.0.0.1:$port (pool $pool_size)" >&2
}

pgbouncer_stop() {
    if [ -n "${PGBOUNCER_PID_FILE:-}" ] && [ -f "$PGBOUNCER_PID_FILE" ]; then
        kill "$(cat "$PGBOUNCER_PID_FILE")" 2>/dev/null || true
    fi
}
