# PostgreSQL clusters for the local stack and the tests.
# Source this file; then `pg_start [--durable] DIR [PORT]` starts a cluster in
# DIR on a free port and exports PGHOST, PGPORT, PGUSER, PGDATABASE;
# `pg_stop DIR [MODE]` stops it. Without --durable the cluster trades crash
# safety for speed (fsync=off: tests and benchmarks only).

# Found lazily: sourcing must work before ./scripts/install-deps has run.
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)}

# Sets PG_BIN to the newest installed server's bin directory, or fails.
pg_find_bin() {
  if [ -z "${PG_BIN:-}" ] || [ ! -x "$PG_BIN/initdb" ]; then
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  fi
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    echo "pg: PostgreSQL is not installed (run ./scripts/install-deps)" >&2
    return 1
  fi
}

pg_free_port() {
  python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

# Runs a command as the cluster owner (postgres when we are root; from /,
# as postgres may not enter the current directory).
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# pg_owner_reaches DIR: whether the cluster owner can traverse every parent of
# DIR (as root, postgres cannot enter a clone under /root, mode 700).
pg_owner_reaches() {
  local parent
  parent=$(dirname "$1")
  [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$parent" 2>/dev/null
}

pg_start() {
  local durable=false
  if [ "${1:-}" = --durable ]; then durable=true; shift; fi
  local dir port=${2:-}
  dir=$(realpath -m "$1")
  pg_find_bin || return 1
  [ -n "$port" ] || port=$(pg_free_port)
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi
  chmod 700 "$dir"
  if ! pg_owner_reaches "$dir"; then
    echo "pg: user postgres cannot reach $dir (a parent directory is private)" >&2
    return 1
  fi
  local sync_flag=--no-sync
  local opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300"
  if $durable; then
    sync_flag=""
  else
    opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    # shellcheck disable=SC2086  # sync_flag is empty or one word
    pg_as_owner "$PG_BIN/initdb" -A trust $sync_flag -U postgres -D "$dir" >"$dir.initdb.log" 2>&1 ||
      { cat "$dir.initdb.log" >&2; return 1; }
  fi
  pg_as_owner "$PG_BIN/pg_ctl" -w -t 60 -D "$dir" -l "$dir/server.log" -o "$opts" \
    start >/dev/null || { tail -n 20 "$dir/server.log" >&2; return 1; }
  export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres
}

# pg_stop DIR [MODE]: MODE is pg_ctl's (immediate by default: throwaway
# clusters; fast for a cluster whose data is kept).
pg_stop() {
  local dir mode=${2:-immediate}
  dir=$(realpath -m "$1")
  [ -f "$dir/postmaster.pid" ] || return 0
  pg_find_bin 2>/dev/null || return 0
  pg_as_owner "$PG_BIN/pg_ctl" -D "$dir" -m "$mode" -w stop >/dev/null 2>&1 || true
}

# pg_scratch_dir: a new empty directory the cluster owner can use, for a
# throwaway cluster (under /tmp: the clone may sit in a private home).
pg_scratch_dir() {
  local d
  d=$(mktemp -d "${TMPDIR:-/tmp}/lc-pg-XXXXXX") || return 1
  chmod 755 "$d"
  echo "$d"
}

# pg_stack_dir RUN_DIR: where the local stack of RUN_DIR keeps its cluster:
# RUN_DIR/pg, or, when we are root and postgres cannot traverse RUN_DIR (a
# clone under /root), /var/lib/postgresql/liveconnect/<hash of RUN_DIR>.
pg_stack_dir() {
  local run=$1
  if pg_owner_reaches "$run/pg"; then
    echo "$run/pg"
    return 0
  fi
  local base=/var/lib/postgresql/liveconnect hash
  hash=$(printf '%s' "$run" | sha256sum | cut -c1-16)
  mkdir -p "$base"
  chown postgres:postgres "$base"
  chmod 755 "$base"
  echo "$base/$hash"
}
