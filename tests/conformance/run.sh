#!/usr/bin/env bash
# Runs the SDK conformance suites against a freshly started emulator.
# usage: tests/conformance/run.sh path/to/cloud-emulator [suite.test.js ...]
set -euo pipefail

if [[ $# -lt 1 || ! -x "$1" ]]; then
  echo "usage: $0 path/to/cloud-emulator [suite.test.js ...]" >&2
  exit 2
fi
bin=$(realpath "$1")
shift
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

if [[ ! -d node_modules ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

work=$(mktemp -d)
"$bin" --ports-file "$work/ports.json" --tls-cert-out "$work/cert.pem" \
  --default-user alice@example.com >"$work/emulator.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 100); do
  [[ -s "$work/ports.json" ]] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "cloud-emulator exited:" >&2
    cat "$work/emulator.log" >&2
    exit 1
  fi
  sleep 0.1
done
[[ -s "$work/ports.json" ]] || { echo "no ports file" >&2; exit 1; }

port() { node -e "console.log(require('$work/ports.json')['$1'])"; }
export LC_EMULATOR_GOOGLEDRIVE_URL="http://127.0.0.1:$(port googledrive)"
export LC_EMULATOR_DROPBOX_URL="http://127.0.0.1:$(port dropbox)"
export LC_EMULATOR_BOX_URL="http://127.0.0.1:$(port box)"
export LC_EMULATOR_ONEDRIVE_URL="https://localhost:$(port onedrive)"
export NODE_EXTRA_CA_CERTS="$work/cert.pem"

if [[ $# -eq 0 ]]; then
  set -- *.test.js
fi
status=0
node --test "$@" || status=$?
if [[ $status -ne 0 ]]; then
  echo "--- emulator log (tail) ---" >&2
  tail -n 50 "$work/emulator.log" >&2
fi
exit $status
