#!/usr/bin/env bash
# The end-to-end test of issue #8: starts the whole stack with the same code
# as ./scripts/up (its own PostgreSQL, the cloud emulator, every service and
# the gateway) in a fresh run directory, runs the test binary against it,
# and always stops the stack. On failure it prints the tail of each log.
#   run_e2e.sh SOURCE_DIR BUILD_DIR TEST_BINARY [gtest args...]
set -uo pipefail
src=$1 build=$2 bin=$3
shift 3

mkdir -p "$src/.run"
chmod 755 "$src/.run"
# PostgreSQL runs as user postgres and must traverse the run directory.
run=$(mktemp -d "$src/.run/e2e-XXXXXX") || exit 1
chmod 755 "$run"

stop() {
  "$src/scripts/down" --run-dir "$run" --purge >/dev/null 2>&1 || true
}
logs() {
  for f in "$run"/*.log; do
    [ -f "$f" ] || continue
    echo "----- tail of $(basename "$f") -----"
    tail -n 40 "$f"
  done
}
trap 'stop; exit 130' INT TERM

started=$(date +%s)
if ! LC_BUILD_DIR=$build "$src/scripts/up" --detach --no-build --quiet --throwaway --run-dir "$run"; then
  echo "e2e: the stack did not start" >&2
  logs
  stop
  exit 1
fi
echo "e2e: stack up in $(($(date +%s) - started)) s (run dir $run)"

set -a
# shellcheck disable=SC1091
source "$run/stack.env"
set +a
export LC_E2E_DEVTOOL=$build/tools/devtool/lc-devtool

"$bin" "$@"
rc=$?
if [ $rc -ne 0 ]; then
  logs
fi
stop
if [ $rc -eq 0 ]; then
  rm -rf "$run"
else
  echo "e2e: logs kept in $run"
fi
exit $rc
