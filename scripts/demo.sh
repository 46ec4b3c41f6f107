#!/usr/bin/env bash
# End-to-end demo on the small real data in demo/ (see demo/README.md):
#   starts sketchd on a fresh temporary data directory and a free port,
#   uploads 80 video frames, trains a random and an inner_product sketch,
#   approximates 20 held-out frames with both, and solves a least-squares
#   problem on held-out Tetouan power data. Stops the server on exit.
#
#   scripts/demo.sh BUILD_DIR        (make demo calls it with the build dir)
#
# Needs only bash, coreutils and the two binaries; no Python.
set -euo pipefail

BUILD_DIR=${1:?usage: scripts/demo.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
SKETCHD="$BUILD_DIR/server/sketchd"
SKETCHCTL="$BUILD_DIR/client/sketchctl"
DEMO=demo  # relative, so the commands shown are the ones a user types from the repo root
cd "$ROOT"
for bin in "$SKETCHD" "$SKETCHCTL"; do
  [[ -x $bin ]] || { echo "demo: $bin not found; build first (make build)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sketchd-demo.XXXXXX")
SERVER_PID=""
cleanup() {
  local rc=$?
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -f $WORK/sketchd.log ]]; then
    echo "demo: FAILED (exit $rc); last server log lines:" >&2
    tail -n 20 "$WORK/sketchd.log" >&2
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT INT TERM

if [[ -t 1 ]]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD="" PLAIN=""; fi
step() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$PLAIN"; }
# Echo the command (arguments with spaces quoted) to stdout, then run it.
run() {
  local shown="" a
  for a in "$@"; do [[ $a == *" "* ]] && shown+=" \"$a\"" || shown+=" $a"; done
  printf '$ sketchctl%s\n' "$shown"
  "$SKETCHCTL" "$@"
}
# The value of "key": in sketchctl's one-line JSON (first occurrence).
json_field() { grep -o "\"$2\":[^,}]*" <<<"$1" | head -n1 | cut -d: -f2- | tr -d '"'; }

step "start sketchd (data dir $WORK/data, free port)"
# Port 0 = the kernel picks a free port; sketchd writes it to fd 3.
"$SKETCHD" --listen=127.0.0.1:0 --data_dir="$WORK/data" --port_file_fd=3 \
  3>"$WORK/port" 2>"$WORK/sketchd.log" &
SERVER_PID=$!
for _ in $(seq 100); do
  [[ -s $WORK/port ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "demo: sketchd exited" >&2; exit 1; }
  sleep 0.1
done
PORT=$(head -n1 "$WORK/port")
export SKETCHD_ADDRESS="127.0.0.1:$PORT"
for _ in $(seq 50); do
  "$SKETCHCTL" health >/dev/null 2>&1 && break
  sleep 0.2
done
run health

step "a dataset of 72×96 video frames; upload 80 training frames"
run datasets create vtest --rows 72 --cols 96 --description "street scene, 4×4-pooled frames"
run upload vtest "$DEMO/vtest_train.npy"

step "train a random CountSketch and a learned one (inner_product), k=10, m=20"
run train vtest --method random --task lowrank --k 10 --m 20 --wait
run train vtest --method inner_product --task lowrank --k 10 --m 20 --wait
run sketches list vtest

step "rank-10 approximation of the 20 held-out frames with each sketch (--exact: vs the SVD optimum)"
declare -A EXCESS
for v in 1 2; do
  printf '$ sketchctl --json lowrank vtest demo/vtest_test.npy --k 10 --sketch %s --left Y%s.npy --right Z%s.npy --exact\n' "$v" "$v" "$v"
  out=$("$SKETCHCTL" --json lowrank vtest "$DEMO/vtest_test.npy" --k 10 --sketch "$v" \
        --left "$WORK/Y$v.npy" --right "$WORK/Z$v.npy" --exact)
  EXCESS[$v]=$(json_field "$out" mean_scaled_excess)
  printf '  sketch v%s: mean excess error %s (scaled to σ₁=1), %s%% of optimal; server time %s s\n' \
    "$v" "$(awk -v e="${EXCESS[$v]}" 'BEGIN{printf "%.5f", e}')" \
    "$(awk -v r="$(json_field "$out" mean_relative_excess)" 'BEGIN{printf "%.2f", 100*r}')" \
    "$(awk -v t="$(json_field "$out" server_total_seconds)" 'BEGIN{printf "%.4f", t}')"
done

step "a least-squares problem: Tetouan power, 1008 ten-minute rows × 7 features"
run datasets create tetuan --rows 1008 --cols 7 --description "Tetouan weekly power, [A | b]"
run upload tetuan "$DEMO/tetuan_train_Ab.npy"
run train tetuan --method heavy_rows --task regression --m 42 --wait
run solve tetuan "$DEMO/tetuan_test_A.npy" "$DEMO/tetuan_test_b.npy" --solver lsqr --sketch default \
  --out "$WORK/x.npy" --exact
run solve tetuan "$DEMO/tetuan_test_A.npy" "$DEMO/tetuan_test_b.npy" --solver sketch_and_solve \
  --sketch random --exact

step "result"
awk -v l="${EXCESS[2]}" -v r="${EXCESS[1]}" 'BEGIN {
  printf "held-out frames, k=10, m=20: learned (inner_product) excess error %.5f vs random %.5f\n", l, r
  if (r > 0) printf "LEARNED / RANDOM ERROR RATIO = %.3f  (%s)\n", l / r, (l < r ? "the learned sketch is better" : "the learned sketch is NOT better")
}'
