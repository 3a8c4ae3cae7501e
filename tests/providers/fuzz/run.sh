#!/usr/bin/env bash
# Builds the libFuzzer targets with clang++ in BUILD_DIR (default
# build-fuzz) and runs each for a short while (FUZZ_RUNS, default 20000).
# Exits non-zero when a target finds a crash.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../../build-fuzz}
runs=${FUZZ_RUNS:-20000}
command -v clang++ >/dev/null || { echo "clang++ not found: install clang"; exit 1; }
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(cd "$here/../../.." && pwd)} CCACHE_NOHASHDIR=1
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" >/dev/null
ninja -C "$build" -j "${FUZZ_JOBS:-2}" >/dev/null
for t in googledrive dropbox box onedrive; do
  corpus="$build/corpus-$t"
  mkdir -p "$corpus"
  cp -n "$here"/corpus/"$t"-* "$corpus"/ 2>/dev/null || true
  echo "fuzz_$t: $runs runs"
  (cd "$build" && ./fuzz_$t -runs="$runs" -max_len=4096 -max_total_time=60 "$corpus" 2>&1 | tail -n 2)
done
