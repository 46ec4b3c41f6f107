#!/usr/bin/env bash
# The one list of system packages sketchd needs (Debian 12 / bookworm).
#   scripts/install-deps.sh            build + test dependencies
#   scripts/install-deps.sh --runtime  only what the two binaries need at run time
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
)
# Shared libraries the binaries link against at run time (bookworm names).
RUNTIME_PACKAGES=(
  libgrpc++1.51 libprotobuf32 libabsl20220623 liblapacke libopenblas0-pthread
  libsqlite3-0 libxxhash0 ca-certificates
)

mode=build
case "${1:-}" in
  "") ;;
  --runtime) mode=runtime ;;
  --check) mode=check ;;
  *) echo "usage: $0 [--runtime|--check]" >&2; exit 2 ;;
esac

if [[ $mode == runtime ]]; then packages=("${RUNTIME_PACKAGES[@]}"); else packages=("${BUILD_PACKAGES[@]}"); fi

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
