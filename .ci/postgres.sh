# Sourced by .ci/run (and by hand for development): `pg_start` starts a throwaway PostgreSQL server from the
# machine's own packages (`pg_config --bindir`) in a temporary folder on a free local port, and exports its URL as
# ORGMAP_TEST_DATABASE_URL; `pg_stop` stops it and removes the folder. The server refuses to run as root, so as
# root it runs as the `postgres` user the package created. Its password is random, so the tests always carry one.
pg_as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_start() {
  local bindir port password
  bindir="$(pg_config --bindir)"
  PG_DIR="$(mktemp -d /tmp/orgmap-pg.XXXXXX)"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  password="$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
  pg_as sh -c "umask 077; echo '$password' > '$PG_DIR/pw'"
  pg_as "$bindir/initdb" -D "$PG_DIR/data" -U postgres --pwfile="$PG_DIR/pw" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --no-sync >"$PG_DIR/initdb.log"
  # a test server: no fsync (a crash loses only test data), enough connections for replicas and pools
  pg_as "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -o "-p $port -k $PG_DIR \
    -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    -c max_connections=200" start >/dev/null
  export ORGMAP_TEST_DATABASE_URL="postgresql://postgres:$password@127.0.0.1:$port/postgres"
  echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') started on port $port ($PG_DIR)" >&2
}

pg_stop() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    pg_as "$(pg_config --bindir)/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null || true
    rm -rf "$PG_DIR"
  fi
}
