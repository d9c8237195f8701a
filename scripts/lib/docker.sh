# A Docker engine of the tests' own (source this): Debian's docker.io, docker-compose (Compose v1) and debootstrap,
# installed when missing; dockerd started with its own data root, exec root and socket under a folder given to
# docker_start, DOCKER_HOST pointing at it, stopped by docker_stop. No registry is reachable here, so the base image is a
# debootstrapped Debian (`minbase`, from the machine's apt mirror), cached as a tarball under .build-tools/docker.

docker_install() {
    command -v dockerd >/dev/null && [ -x /usr/bin/docker-compose ] && command -v debootstrap >/dev/null && return 0
    echo "==> Installing docker.io, docker-compose and debootstrap" >&2
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io docker-compose debootstrap >/dev/null
}

docker_start() {
    local root=$1
    docker_install
    mkdir -p "$root/data" "$root/exec"
    dockerd --data-root "$root/data" --exec-root "$root/exec" -H "unix://$root/docker.sock" --pidfile "$root/docker.pid" \
        >"$root/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    export DOCKER_HOST="unix://$root/docker.sock" DOCKER_ROOT=$root
    local waited=0
    until /usr/bin/docker info >/dev/null 2>&1; do
        sleep 0.5; waited=$((waited + 1))
        if [ "$waited" -gt 120 ] || ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
            echo "dockerd did not start:" >&2; tail -20 "$root/dockerd.log" >&2; return 1
        fi
    done
    echo "==> dockerd $(/usr/bin/docker version --format '{{.Server.Version}}') at $DOCKER_HOST" >&2
}

docker_stop() {
    [ -n "${DOCKERD_PID:-}" ] || return 0
    kill "$DOCKERD_PID" 2>/dev/null || true
    wait "$DOCKERD_PID" 2>/dev/null || true
    DOCKERD_PID=
}

# Imports a minimal Debian bookworm as image $1 (debootstrapped once, then from the cached tarball).
docker_base_image() {
    local image=$1 cache=${IMAGEGEN_TOOLS:-.build-tools}/docker/bookworm-minbase.tar
    if [ ! -s "$cache" ]; then
        echo "==> debootstrap --variant=minbase bookworm (once; cached in $cache)" >&2
        local rootfs
        rootfs=$(mktemp -d /tmp/imagegen-rootfs.XXXXXX)
        local mirror
        mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
        debootstrap --variant=minbase bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" >"$rootfs.log" 2>&1 \
            || { tail -20 "$rootfs.log" >&2; return 1; }
        mkdir -p "$(dirname "$cache")"
        tar -C "$rootfs" -cf "$cache.partial" . && mv "$cache.partial" "$cache"
        rm -rf "$rootfs" "$rootfs.log"
    fi
    /usr/bin/docker import "$cache" "$image" >/dev/null
}
