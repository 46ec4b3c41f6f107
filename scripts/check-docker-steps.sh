#!/usr/bin/env bash
# Runs the steps of docker/Dockerfile outside Docker (CI has no engine), so a
# broken container build or runtime stage shows up in CI:
#
#   build stage    the Dockerfile's exact cmake configure + build (Release,
#                  no tests/bench), into its own build directory;
#   runtime stage  install-deps.sh --runtime; every shared library the two
#                  binaries load must come from a runtime package or one of
#                  its dependencies (so the slim image can run them); the
#                  binaries copied into a fresh prefix; the CMD started (as a
#                  non-root user when run as root), the HEALTHCHECK command
#                  run against it, the compose file's demo client run against
#                  it, and a clean shutdown on SIGTERM.
#
#   scripts/check-docker-steps.sh [BUILD_DIR]
# With BUILD_DIR, the build stage goes to BUILD_DIR/docker-steps (kept, so a
# second run is incremental); otherwise to a temporary directory.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DOCKERFILE=docker/Dockerfile

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sketchd-docker-steps.XXXXXX")
chmod 755 "$WORK"
if [[ -n ${1:-} ]]; then
  mkdir -p "$1"
  BUILD="$(cd "$1" && pwd)/docker-steps"
else
  BUILD="$WORK/build"
fi
SERVER_PID=""
cleanup() {
  local rc=$?
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID" || true; fi
  if [[ $rc -ne 0 && -f $WORK/sketchd.log ]]; then
    echo "check-docker-steps: server log:" >&2
    tail -n 20 "$WORK/sketchd.log" >&2
  fi
  rm -rf "$WORK"
  [[ $rc -eq 0 ]] && echo "check-docker-steps: OK" || echo "check-docker-steps: FAILED ($rc)" >&2
  exit $rc
}
trap cleanup EXIT
fail() { echo "check-docker-steps: $*" >&2; exit 1; }
say() { echo "check-docker-steps: $*"; }

# The Dockerfile must still contain exactly the steps we reproduce here.
CMAKE_CONFIGURE="cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DSKETCHD_BUILD_TESTS=OFF -DSKETCHD_BUILD_BENCH=OFF -DSKETCHD_BUILD_MPI=OFF -DSKETCHD_BUILD_PYTHON=OFF"
CMAKE_BUILD="cmake --build /build --target sketchd sketchctl"
for needle in "$CMAKE_CONFIGURE" "$CMAKE_BUILD" "install-deps.sh --runtime" \
              "USER sketchd" "VOLUME /var/lib/sketchd" "EXPOSE 50051" \
              "COPY --from=build /build/server/sketchd /build/client/sketchctl /usr/local/bin/" \
              "COPY docker/demo-client.sh /usr/local/bin/sketchd-demo-client"; do
  grep -qF -- "$needle" "$DOCKERFILE" || fail "$DOCKERFILE no longer contains: $needle"
done
# CMD / HEALTHCHECK exec-form arrays → words.
exec_form() { grep -E "^$1" "$DOCKERFILE" | sed -E 's/.*(CMD|HEALTHCHECK.*CMD) \[(.*)\]$/\2/' | tr -d '",'; }
read -r -a CMD <<<"$(exec_form CMD)"
read -r -a HEALTH <<<"$(exec_form HEALTHCHECK)"
[[ ${CMD[0]:-} == sketchd && ${HEALTH[0]:-} == sketchctl ]] || fail "cannot parse CMD/HEALTHCHECK"

say "build stage: ${CMAKE_CONFIGURE/\/build/$BUILD}"
scripts/install-deps.sh --check
${CMAKE_CONFIGURE/\/build/$BUILD} >"$WORK/configure.log" || { cat "$WORK/configure.log"; fail "configure failed"; }
${CMAKE_BUILD/\/build/$BUILD} -j "$(nproc)" >"$WORK/build.log" 2>&1 || { tail -n 40 "$WORK/build.log"; fail "build failed"; }

say "runtime stage: install-deps.sh --runtime"
scripts/install-deps.sh --runtime
# --runtime installs RUNTIME_PACKAGES and METRICS_RUNTIME_PACKAGES.
RUNTIME_PACKAGES=$(sed -n -E '/^(METRICS_)?RUNTIME_PACKAGES=\(/,/\)/p' scripts/install-deps.sh |
                   sed 's/#.*//' | tr -d '()' | sed -E 's/(METRICS_)?RUNTIME_PACKAGES=//' | xargs)
[[ -n $RUNTIME_PACKAGES ]] || fail "cannot read RUNTIME_PACKAGES from scripts/install-deps.sh"
# Everything the runtime packages pull in (installed ones; apt resolves the same set).
CLOSURE=$(apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts \
            --no-breaks --no-replaces --no-enhances $RUNTIME_PACKAGES 2>/dev/null |
          grep -v '^ ' | sed 's/:.*//' | sort -u)
missing=()
for bin in "$BUILD/server/sketchd" "$BUILD/client/sketchctl"; do
  if ldd "$bin" | grep -q "not found"; then ldd "$bin" | grep "not found" >&2; fail "$bin: unresolved libraries"; fi
  while read -r lib; do
    pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null || true)
    pkg=${pkg%%:*}
    case $pkg in libc6|libgcc-s1|libstdc++6) continue ;; esac  # in every Debian image
    grep -qx -- "$pkg" <<<"$CLOSURE" || missing+=("$(basename "$lib") ($pkg)")
  done < <(ldd "$bin" | awk '/=> \//{print $3}')
done
[[ ${#missing[@]} -eq 0 ]] || fail "not covered by install-deps.sh --runtime: ${missing[*]}"
say "all shared libraries come from: $RUNTIME_PACKAGES (+ their dependencies)"

PREFIX="$WORK/rootfs"
mkdir -p "$PREFIX/usr/local/bin" "$PREFIX/usr/local/share/sketchd" "$PREFIX/var/lib/sketchd"
cp "$BUILD/server/sketchd" "$BUILD/client/sketchctl" "$PREFIX/usr/local/bin/"
cp docker/demo-client.sh "$PREFIX/usr/local/bin/sketchd-demo-client"
cp -r demo "$PREFIX/usr/local/share/sketchd/demo"
chmod -R a+rX "$WORK"
export PATH="$PREFIX/usr/local/bin:$PATH"
export DEMO_DIR="$PREFIX/usr/local/share/sketchd/demo"

# USER sketchd: when we are root, run the server as an unprivileged user.
AS_USER=()
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null; then
  chown -R nobody "$PREFIX/var/lib/sketchd"
  AS_USER=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
# The CMD, with the listen address moved to a free loopback port and the data
# dir into the prefix (later flags win); the port comes back on fd 3.
RUN_AS=$( [[ ${#AS_USER[@]} -gt 0 ]] && echo nobody || id -un )
say "CMD: ${CMD[*]} (as $RUN_AS, data dir in the prefix, free loopback port)"
"${AS_USER[@]}" "$PREFIX/usr/local/bin/${CMD[0]}" "${CMD[@]:1}" --listen=127.0.0.1:0 \
  --data_dir="$PREFIX/var/lib/sketchd" --port_file_fd=3 3>"$WORK/port" 2>"$WORK/sketchd.log" &
SERVER_PID=$!
for _ in $(seq 100); do [[ -s $WORK/port ]] && break; sleep 0.1; done
[[ -s $WORK/port ]] || fail "server did not start"
export SKETCHD_ADDRESS="127.0.0.1:$(head -n1 "$WORK/port")"

say "HEALTHCHECK: ${HEALTH[*]}"
"${HEALTH[@]}" || fail "health check failed"
say "compose demo client: sketchd-demo-client"
sketchd-demo-client
say "demo client again (restart on the same volume)"
sketchd-demo-client >"$WORK/demo2.log" 2>&1 || { cat "$WORK/demo2.log"; fail "second demo run failed"; }

say "SIGTERM"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "sketchd exited with $? on SIGTERM"
SERVER_PID=""
