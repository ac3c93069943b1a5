#!/usr/bin/env bash
# A private PostgreSQL 15 cluster on 127.0.0.1 for the test suite, run as the `postgres`
# user (PostgreSQL refuses root) in a folder that user owns.
#   scripts/test-postgres.sh start   prints the admin connection URL when the server is up
#   scripts/test-postgres.sh stop
#   scripts/test-postgres.sh url     prints the URL without starting anything
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PORT=${TEST_PG_PORT:-54329}
DIR=${TEST_PG_DIR:-/tmp/odoo-fleet-test-pg}
PASSWORD=fleet-test
URL="postgresql://fleet:${PASSWORD}@127.0.0.1:${PORT}/postgres"

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

case "${1:-}" in
  start)
    [ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
    if [ ! -f "$DIR/PG_VERSION" ]; then
      mkdir -p "$DIR"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
      as_postgres "'$PG_BIN/initdb' -D '$DIR' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
      cat >>"$DIR/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
CONF
    fi
    if ! as_postgres "'$PG_BIN/pg_ctl' -D '$DIR' status" >/dev/null 2>&1; then
      if ! as_postgres "'$PG_BIN/pg_ctl' -D '$DIR' -l '$DIR/server.log' -w -t 60 start" >/dev/null; then
        cat "$DIR/server.log" >&2
        exit 1
      fi
    fi
    as_postgres "'$PG_BIN/psql' -h '$DIR' -p $PORT -U postgres -d postgres -v ON_ERROR_STOP=1 -qc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fleet') THEN CREATE ROLE fleet LOGIN SUPERUSER PASSWORD '$PASSWORD'; END IF; END \\\$\\\$;\"" >/dev/null
    echo "$URL"
    ;;
  url)
    echo "$URL"
    ;;
  stop)
    as_postgres "'$PG_BIN/pg_ctl' -D '$DIR' -m fast stop" >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
