# shellcheck shell=bash
# Starts a throwaway PostgreSQL server; sourced by scripts/test, scripts/run and the benchmarks.
#   pg_start DATA_DIR [PORT]  -> exports DATABASE_URL, PG_DATA_DIR, PG_BIN; installs PostgreSQL when missing.
#                                $PG_OPTIONS adds server settings (e.g. "-c log_lock_waits=on").
#   pg_stop                   -> stops the server started by pg_start.

pg_find_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
        return 1
    fi
    echo "$dir"
}

pg_install() {
    echo "==> Installing PostgreSQL from Debian's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
}

pg_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Runs a command as the postgres user when we are root (initdb refuses to run as root).
pg_as_owner() {
    if [ "$(id -u)" = "0" ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_start() {
    local data_dir=$1 port=${2:-}
    PG_BIN=$(pg_find_bin) || { pg_install && PG_BIN=$(pg_find_bin); } || { echo "PostgreSQL could not be installed" >&2; return 1; }
    [ -n "$port" ] || port=$(pg_free_port)
    mkdir -p "$data_dir"
    if [ "$(id -u)" = "0" ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home "$data_dir" postgres
        chown -R postgres "$data_dir"
        # The data dir's parents must be traversable by postgres.
        local parent=$data_dir
        while [ "$parent" != "/" ]; do parent=$(dirname "$parent"); chmod o+x "$parent" 2>/dev/null || true; done
    fi
    if [ ! -f "$data_dir/PG_VERSION" ]; then
        pg_as_owner "$PG_BIN/initdb" -D "$data_dir" -U postgres -A trust -E UTF8 --no-locale >"$data_dir.initdb.log" 2>&1 \
            || { cat "$data_dir.initdb.log" >&2; return 1; }
    fi
    pg_as_owner "$PG_BIN/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" -w -t 60 \
        -o "-p $port -k $data_dir -c listen_addresses=127.0.0.1 -c max_connections=600 -c shared_buffers=256MB ${PG_OPTIONS:-}" start >/dev/null \
        || { cat "$data_dir/server.log" >&2; return 1; }
    PG_DATA_DIR=$data_dir
    DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
    export PG_BIN PG_DATA_DIR DATABASE_URL
    echo "==> PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $data_dir)" >&2
}

pg_stop() {
    if [ -n "${PG_DATA_DIR:-}" ] && [ -f "$PG_DATA_DIR/postmaster.pid" ]; then
        pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
    fi
}

# A new empty database on the server DATABASE_URL names (imagegen_<name>_<pid>); DATABASE_URL then points at it.
pg_fresh_database() {
    local db="imagegen_$1_$$"
    psql "$DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
    export DATABASE_URL="${DATABASE_URL%/*}/$db?sslmode=disable"
}
