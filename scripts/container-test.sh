#!/usr/bin/env bash
# Really builds and runs the containers with podman (no Docker engine needed):
#
#   1. a debian:bookworm base image made by `debootstrap --variant=minbase`
#      and imported (once; reused while it exists), so no registry is used;
#   2. the images of docker/Dockerfile (sketchd), docker/Dockerfile.postgres
#      and docker/Dockerfile.nginx, built with --format docker so HEALTHCHECK
#      is kept;
#   3. the replica stack of docker/compose.replicas.yaml: PostgreSQL, three
#      sketchd replicas, nginx in front. Started with `podman run` on the host
#      network (container DNS needs a CNI plugin Debian's podman lacks), so
#      the service names of the compose file become loopback ports here and
#      nginx gets docker/nginx-grpc.conf with its upstreams rewritten;
#   4. checks: every replica's HEALTHCHECK passes, `sketchctl health` through
#      the load balancer, the demo client (docker/demo-client.sh) through the
#      load balancer, and each replica's /metrics counted calls;
#   5. tears everything down (containers, volume, temp files); images stay.
#
#   sudo scripts/container-test.sh            (15–30 min on 2 cores, mostly the build)
#   sudo scripts/container-test.sh --reuse-images   (skip step 2 when the three
#                                                    images exist: re-run the stack only)
# Needs: scripts/install-deps.sh --container.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
say() { echo "container-test: $*"; }
fail() { echo "container-test: FAILED: $*" >&2; exit 1; }

command -v podman >/dev/null || fail "podman missing (scripts/install-deps.sh --container)"
REUSE_IMAGES=false
case "${1:-}" in
  "") ;;
  --reuse-images) REUSE_IMAGES=true ;;
  *) fail "usage: $0 [--reuse-images]" ;;
esac
TAG=${SKETCHD_CT_TAG:-ct$$}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sketchd-ct.XXXXXX")
CONTAINERS=()
cleanup() {
  local rc=$?
  if [[ $rc -ne 0 ]]; then
    for c in "${CONTAINERS[@]}"; do
      echo "---- last log lines of $c" >&2
      podman logs --tail 15 "$c" >&2 2>&1 || true
    done
  fi
  for c in "${CONTAINERS[@]}"; do podman rm -f -t 5 "$c" >/dev/null 2>&1 || true; done
  podman volume rm -f "sketchd-db-$TAG" >/dev/null 2>&1 || true
  rm -rf "$WORK"
  [[ $rc -eq 0 ]] && say "OK" || echo "container-test: FAILED ($rc)" >&2
  exit $rc
}
trap cleanup EXIT

# podman applies containers.conf's default_ulimits to every build step and
# container, and raises nproc for rootful containers; a limit runc may not
# set fails the start ("error setting rlimits"). nofile: the host's hard
# limit. nproc: measured on a host whose `ulimit -Hu` was 96365, runc could
# not set that value itself but could set 4096 — far more than the
# services' few dozen threads — so the smaller of the two.
HARD_NOFILE=$(ulimit -Hn)
[[ $HARD_NOFILE == unlimited ]] && HARD_NOFILE=1048576
HARD_NPROC=$(ulimit -Hu)
[[ $HARD_NPROC == unlimited || $HARD_NPROC -gt 4096 ]] && HARD_NPROC=4096
printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n' \
  "$HARD_NOFILE" "$HARD_NOFILE" "$HARD_NPROC" "$HARD_NPROC" >"$WORK/containers.conf"
export CONTAINERS_CONF="$WORK/containers.conf"
say "default_ulimits nofile=$HARD_NOFILE nproc=$HARD_NPROC"

# ---- 1. base image ---------------------------------------------------------
if podman image exists localhost/debian:bookworm; then
  say "base image localhost/debian:bookworm present"
else
  command -v debootstrap >/dev/null || fail "debootstrap missing (scripts/install-deps.sh --container)"
  say "debootstrap --variant=minbase bookworm (a few minutes)"
  debootstrap --variant=minbase bookworm "$WORK/rootfs" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
    >"$WORK/debootstrap.log" 2>&1 || { tail -n 20 "$WORK/debootstrap.log"; fail "debootstrap"; }
  # The image's apt sources, as Debian's own images have them.
  printf 'deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' \
    >"$WORK/rootfs/etc/apt/sources.list"
  rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb
  tar -C "$WORK/rootfs" -c . | podman import - localhost/debian:bookworm >/dev/null
  rm -rf "$WORK/rootfs"
  say "imported localhost/debian:bookworm"
fi

# ---- 2. images -------------------------------------------------------------
# The build context is the tracked (and new, not ignored) files only: no
# build directories, whatever the engine makes of .dockerignore files.
mkdir -p "$WORK/context"
git ls-files -z --cached --others --exclude-standard | xargs -0 tar -c --ignore-failed-read 2>/dev/null |
  tar -C "$WORK/context" -x
build() {  # name dockerfile context
  local started=$SECONDS
  say "building $1 ($2)"
  podman build --pull=never --format docker -t "$1" -f "$2" "$3" >"$WORK/build-${1%%:*}.log" 2>&1 ||
    { tail -n 40 "$WORK/build-${1%%:*}.log"; fail "podman build $2"; }
  say "built $1 in $((SECONDS - started)) s"
}
if $REUSE_IMAGES && podman image exists sketchd-postgres:latest && podman image exists sketchd-lb:latest &&
   podman image exists sketchd:latest; then
  say "reusing the existing sketchd, sketchd-postgres and sketchd-lb images"
else
  build sketchd-postgres:latest "$WORK/context/docker/Dockerfile.postgres" "$WORK/context/docker"
  build sketchd-lb:latest "$WORK/context/docker/Dockerfile.nginx" "$WORK/context/docker"
  build sketchd:latest "$WORK/context/docker/Dockerfile" "$WORK/context"
fi
[[ $(podman image inspect --format '{{.Config.Healthcheck.Test}}' sketchd:latest) == *sketchctl* ]] ||
  fail "sketchd:latest lost its HEALTHCHECK (was it built with --format docker?)"

# ---- 3. the replica stack --------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PG_PORT=$(free_port); LB_PORT=$(free_port)
REPLICA_PORTS=(); METRICS_PORTS=()
for i in 1 2 3; do REPLICA_PORTS+=("$(free_port)"); METRICS_PORTS+=("$(free_port)"); done
PASSWORD=$(openssl rand -hex 16 2>/dev/null || head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
run() {  # name, then podman run arguments
  local name="sketchd-$1-$TAG"; shift
  CONTAINERS+=("$name")
  # No healthcheck timer: podman would create it with systemd, which a
  # container host may lack; wait_healthy runs the image's check itself.
  podman run -d --name "$name" --network host --health-interval=disable "$@" >/dev/null
}
wait_healthy() {  # container, seconds
  local deadline=$((SECONDS + $2))
  until podman healthcheck run "$1" >/dev/null 2>&1; do
    [[ $SECONDS -lt $deadline ]] || fail "$1 not healthy after $2 s"
    podman container exists "$1" && [[ $(podman inspect -f '{{.State.Running}}' "$1") == true ]] ||
      fail "$1 exited"
    sleep 2
  done
  say "$1 healthy"
}

say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
# PGPORT moves both the server and the image's pg_isready HEALTHCHECK.
run postgres -e SKETCHD_DB_PASSWORD="$PASSWORD" -e PGPORT="$PG_PORT" \
  -v "sketchd-db-$TAG:/var/lib/sketchd-db" sketchd-postgres:latest || fail "podman run postgres"
wait_healthy "sketchd-postgres-$TAG" 180

for i in 1 2 3; do
  run "$i" -e PGPASSWORD="$PASSWORD" -e SKETCHD_ADDRESS="127.0.0.1:${REPLICA_PORTS[i-1]}" sketchd:latest \
    sketchd --listen="127.0.0.1:${REPLICA_PORTS[i-1]}" --data_dir=/var/lib/sketchd \
    --store="postgresql://sketchd@127.0.0.1:$PG_PORT/sketchd" --replica_id="sketchd-$i" \
    --metrics_listen="127.0.0.1:${METRICS_PORTS[i-1]}"
done
for i in 1 2 3; do wait_healthy "sketchd-$i-$TAG" 120; done

# nginx: the compose file's config with service names → loopback ports.
sed -e "s/server sketchd-1:50051/server 127.0.0.1:${REPLICA_PORTS[0]}/" \
    -e "s/server sketchd-2:50051/server 127.0.0.1:${REPLICA_PORTS[1]}/" \
    -e "s/server sketchd-3:50051/server 127.0.0.1:${REPLICA_PORTS[2]}/" \
    -e "s/listen 8080 http2/listen 127.0.0.1:$LB_PORT http2/" docker/nginx-grpc.conf >"$WORK/nginx.conf"
grep -q "127.0.0.1:${REPLICA_PORTS[2]}" "$WORK/nginx.conf" || fail "could not rewrite docker/nginx-grpc.conf"
chmod 644 "$WORK/nginx.conf"
run lb -v "$WORK/nginx.conf:/etc/nginx/nginx-grpc.conf:ro,Z" sketchd-lb:latest
LB="127.0.0.1:$LB_PORT"

# ---- 4. checks through the load balancer -----------------------------------
deadline=$((SECONDS + 60))
until podman exec -e SKETCHD_ADDRESS="$LB" "sketchd-1-$TAG" sketchctl health >/dev/null 2>&1; do
  [[ $SECONDS -lt $deadline ]] || fail "sketchctl health through nginx ($LB) failed for 60 s"
  sleep 2
done
say "sketchctl health through nginx at $LB: SERVING"

say "demo client through nginx"
podman run --rm --network host -e SKETCHD_ADDRESS="$LB" sketchd:latest sketchd-demo-client |
  tee "$WORK/demo.log"
grep -q "LEARNED / RANDOM ERROR RATIO" "$WORK/demo.log" || fail "demo client printed no ratio"

total=0
for i in 1 2 3; do
  calls=$(curl -sf "http://127.0.0.1:${METRICS_PORTS[i-1]}/metrics" |
          awk '/^sketchd_rpc_total\{/ {s += $NF} END {print s + 0}') ||
    fail "no /metrics on replica $i"
  say "replica $i served $calls RPCs (sketchd_rpc_total)"
  total=$(awk -v a="$total" -v b="$calls" 'BEGIN {print a + b}')
done
awk -v t="$total" 'BEGIN {exit !(t > 0)}' || fail "the replicas' /metrics counted no RPCs"
