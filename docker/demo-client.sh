#!/bin/sh
# One-shot demo client (the compose file's `demo` service; also run by
# scripts/check-docker-steps.sh): against the server at $SKETCHD_ADDRESS,
# make sure dataset `vtest` holds the 80 demo training frames, train a random
# and an inner_product sketch, and compare them on the 20 held-out frames.
# Safe to run again on the same server (reuses the dataset).
set -eu
DEMO_DIR=${DEMO_DIR:-/usr/local/share/sketchd/demo}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

i=0
until sketchctl health >/dev/null 2>&1; do
  i=$((i + 1))
  [ "$i" -lt 30 ] || { echo "demo: server at $SKETCHD_ADDRESS is not serving" >&2; exit 1; }
  sleep 1
done

if ! sketchctl datasets show vtest >/dev/null 2>&1; then
  sketchctl datasets create vtest --rows 72 --cols 96 --description "demo: street scene frames"
fi
if sketchctl --json datasets show vtest | grep -q '"num_training_matrices":0,'; then
  sketchctl upload vtest "$DEMO_DIR/vtest_train.npy"
fi

field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" | head -n 1; }
random_job=$(sketchctl --json train vtest --method random --k 10 --m 20 --wait)
learned_job=$(sketchctl --json train vtest --method inner_product --k 10 --m 20 --wait)
random_v=$(echo "$random_job" | field sketch_version)
learned_v=$(echo "$learned_job" | field sketch_version)
echo "trained sketch v$random_v (random) and v$learned_v (inner_product)"
echo "validation (learned/random on held-out training frames): $(echo "$learned_job" | field ratio)"

random_err=$(sketchctl --json lowrank vtest "$DEMO_DIR/vtest_test.npy" --k 10 --sketch "$random_v" \
  --left "$OUT/Y.npy" --right "$OUT/Z.npy" --exact | field mean_scaled_excess)
learned_err=$(sketchctl --json lowrank vtest "$DEMO_DIR/vtest_test.npy" --k 10 --sketch "$learned_v" \
  --left "$OUT/Y.npy" --right "$OUT/Z.npy" --exact | field mean_scaled_excess)
awk -v l="$learned_err" -v r="$random_err" 'BEGIN {
  printf "20 held-out frames, k=10, m=20: mean excess error learned %.5f, random %.5f\n", l, r
  printf "LEARNED / RANDOM ERROR RATIO = %.3f\n", l / r
  exit !(l < r)
}'
