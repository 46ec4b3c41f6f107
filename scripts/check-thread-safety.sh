#!/usr/bin/env bash
# Clang's thread-safety analysis over the server: the ABSL_GUARDED_BY /
# ABSL_EXCLUSIVE_LOCKS_REQUIRED / ABSL_LOCKS_EXCLUDED annotations on shared
# state are only promises until a compiler checks them, and the build uses
# GCC, which ignores them. Syntax only (no code generated), so it is cheap.
#
# Usage: scripts/check-thread-safety.sh [BUILD_DIR]   (default: build)
# Needs BUILD_DIR/compile_commands.json (the top CMakeLists exports it) and
# the generated protobuf headers (any build of sketchd_server_lib makes them).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
clang="${CLANG:-clang++-14}"
db="$build/compile_commands.json"
if [[ ! -f "$db" ]]; then
  echo "check-thread-safety: $db not found; configure the build first (cmake -S . -B $build)" >&2
  exit 2
fi
if ! command -v "$clang" >/dev/null; then
  echo "check-thread-safety: $clang not found (Debian: apt-get install clang-14)" >&2
  exit 2
fi
jobs="${JOBS:-2}"

# One line per annotated source: the file, then GCC's include and define
# flags for it (warning flags are GCC's and left out).
python3 - "$db" "$PWD" > "$build/thread-safety-commands.txt" <<'EOF'
import json, os, shlex, sys
db, root = sys.argv[1], sys.argv[2]
for entry in json.load(open(db)):
    f = os.path.relpath(entry["file"], root)
    # server/ is where the shared state lives.
    if not (f.startswith("server/") and f.endswith(".cc")):
        continue
    args = entry.get("arguments") or shlex.split(entry["command"])
    keep, it = [], iter(args[1:])
    for a in it:
        if a in ("-I", "-isystem", "-D"):
            keep += [a, next(it)]
        elif a.startswith(("-I", "-D", "-std=")) or a == "-pthread":
            keep.append(a)
    print(shlex.join([f] + keep))
EOF

count=$(wc -l < "$build/thread-safety-commands.txt")
if [[ "$count" -eq 0 ]]; then
  echo "check-thread-safety: no server sources in $db" >&2
  exit 2
fi
start=$(date +%s)
# Only the thread-safety warnings, as errors: the project's warning policy
# is GCC's (-Wall -Wextra -Werror in the build).
status=0
xargs -P "$jobs" -L 1 "$clang" -fsyntax-only -Wno-everything -Wthread-safety \
  -Werror=thread-safety < "$build/thread-safety-commands.txt" || status=$?
echo "check-thread-safety: $count files in $(( $(date +%s) - start )) s"
if [[ $status -ne 0 ]]; then
  echo "check-thread-safety: thread-safety errors above (a lock not held, or held where excluded)" >&2
  exit 1
fi
