#!/usr/bin/env bash
# Runs each libFuzzer target in BUILD_DIR briefly (FUZZ_RUNS, default 20000,
# at most 60 s each) from the checked-in corpus; exits non-zero when a target
# finds a crash. The normal build builds the targets (tests/providers/
# CMakeLists.txt); by hand:
#   cmake -S tests/providers/fuzz -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ && ninja -C build-fuzz
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../../build-fuzz}
runs=${FUZZ_RUNS:-20000}
for t in googledrive dropbox box onedrive; do
  [ -x "$build/fuzz_$t" ] || { echo "$build/fuzz_$t is not built (build the project first)"; exit 1; }
done
for t in googledrive dropbox box onedrive; do
  corpus="$build/corpus-$t"
  mkdir -p "$corpus"
  cp -n "$here"/corpus/"$t"-* "$corpus"/ 2>/dev/null || true
  echo "fuzz_$t: $runs runs"
  (cd "$build" && ./fuzz_$t -runs="$runs" -max_len=4096 -max_total_time=60 "$corpus" 2>&1 | tail -n 2)
done
