# Shared by the scripts: where things are and how to build.
LC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export CCACHE_BASEDIR=$LC_ROOT CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}

# lc_build DIR BUILD_TYPE [TARGET...]: configure (once) and build with Ninja.
lc_build() {
  local dir=$1 type=$2
  shift 2
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$LC_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" >/dev/null
  fi
  ninja -C "$dir" "$@"
}

lc_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# lc_wait_healthy NAME ADDR PID: polls grpc.health.v1 until SERVING (30 s).
lc_wait_healthy() {
  local name=$1 addr=$2 pid=$3 i
  for i in $(seq 1 150); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name exited during start-up; its log:" >&2
      tail -n 20 "${LC_RUN_DIR:-$LC_ROOT/.run}/$name.log" >&2
      return 1
    fi
    if "$LC_BUILD_DIR/tools/devtool/lc-devtool" health "$addr" --timeout-ms 500 >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  echo "$name did not report SERVING at $addr within 30 s" >&2
  return 1
}
