#!/usr/bin/env bash
# The one list of system packages sketchd needs (Debian 12 / bookworm).
#   scripts/install-deps.sh            build + test dependencies
#   scripts/install-deps.sh --runtime  only what the two binaries need at run time
#   scripts/install-deps.sh --bench    + scikit-learn/matplotlib for the peer benchmarks
#   scripts/install-deps.sh --container  podman & co. for scripts/container-test.sh
#   scripts/install-deps.sh --server-build  only what building sketchd + sketchctl needs
#                                           (the container's build stage: no test toolchain)
#   scripts/install-deps.sh --check    exit 1 if anything is missing, install nothing
# Installs what is missing when run as root; otherwise prints the apt command.
# Idempotent: a second run installs nothing.
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake ccache pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libeigen3-dev libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  librandom123-dev   # Philox counter-based generator (reproducible sketches)
  libxxhash-dev      # checksums of serialised sketches
  liblapacke-dev libopenblas-dev  # gesdd for exact SVD baselines
  libsqlite3-dev     # the embedded sketch store
  libcli11-dev       # sketchctl command line
  openssl            # tests generate throw-away TLS certificates
  nlohmann-json3-dev # sketchctl --json output
  clang libclang-rt-14-dev  # libFuzzer harnesses (make fuzz) and ThreadSanitizer
  libpq-dev postgresql      # PostgreSQL store for replicas; tests start a throw-away server
  nginx-light               # gRPC-aware load balancer in front of replicas (tests, compose)
  prometheus-cpp-dev        # /metrics
  libopenmpi-dev openmpi-bin  # sketchmpi
  pybind11-dev python3-dev  # Python bindings of core
  python3-grpcio python3-protobuf python3-numpy python3-scipy python3-pytest  # Python client + its tests
  python3-venv python3-setuptools python3-tqdm  # pip-install test of the Python package; progress bars
)
# Only for bench/ peers and plots (never needed by the build or the tests).
BENCH_PACKAGES=(python3-sklearn python3-matplotlib python3-threadpoolctl)
# Only for scripts/container-test.sh (really building and running the image).
CONTAINER_PACKAGES=(podman runc debootstrap podman-compose uidmap slirp4netns fuse-overlayfs)
# Building just the two binaries (docker/Dockerfile's build stage): no tests,
# fuzzers, PostgreSQL server, nginx, MPI or Python.
SERVER_BUILD_PACKAGES=(
  build-essential cmake pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libeigen3-dev libabsl-dev librandom123-dev libxxhash-dev liblapacke-dev libopenblas-dev
  libsqlite3-dev libcli11-dev nlohmann-json3-dev libpq-dev libssl-dev prometheus-cpp-dev
)
# Run time of sketchd's /metrics endpoint (--metrics_listen), beside RUNTIME_PACKAGES.
METRICS_RUNTIME_PACKAGES=(libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0)
# Shared libraries the binaries link against at run time (bookworm names).
RUNTIME_PACKAGES=(
  libgrpc++1.51 libprotobuf32 libabsl20220623 liblapacke libopenblas0-pthread
  libsqlite3-0 libxxhash0 libpq5 libssl3 ca-certificates
)

mode=build
case "${1:-}" in
  "") ;;
  --runtime) mode=runtime ;;
  --check) mode=check ;;
  --bench) mode=bench ;;
  --container) mode=container ;;
  --server-build) mode=server-build ;;
  *) echo "usage: $0 [--runtime|--bench|--container|--server-build|--check]" >&2; exit 2 ;;
esac

case $mode in
  runtime) packages=("${RUNTIME_PACKAGES[@]}" "${METRICS_RUNTIME_PACKAGES[@]}") ;;
  server-build) packages=("${SERVER_BUILD_PACKAGES[@]}") ;;
  bench) packages=("${BUILD_PACKAGES[@]}" "${BENCH_PACKAGES[@]}") ;;
  container) packages=("${CONTAINER_PACKAGES[@]}") ;;
  *) packages=("${BUILD_PACKAGES[@]}") ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} $mode packages present"
  exit 0
fi
if [[ $mode == check ]]; then
  echo "install-deps: missing: ${missing[*]}" >&2
  exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages; run as root:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
