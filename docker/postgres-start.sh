#!/bin/sh
# Entry point of docker/Dockerfile.postgres: on first start, create the
# cluster and the sketchd role and database; then run PostgreSQL in the
# foreground, listening on the compose network.
set -eu
PGBIN=/usr/lib/postgresql/15/bin
PGDATA=/var/lib/sketchd-db/data
: "${SKETCHD_DB_PASSWORD:?set SKETCHD_DB_PASSWORD (the sketchd role's password)}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s\n' "$SKETCHD_DB_PASSWORD" >"$pwfile"
  "$PGBIN/initdb" -D "$PGDATA" -U sketchd --pwfile="$pwfile" -E UTF8 --no-locale \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  # Local socket: the postgres OS user may connect as the sketchd superuser
  # (for the one CREATE DATABASE below and for maintenance).
  printf 'local all all trust\nhost all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' \
    >"$PGDATA/pg_hba.conf"
  "$PGBIN/pg_ctl" -D "$PGDATA" -w -o "-c listen_addresses='' -k /tmp" start >/dev/null
  "$PGBIN/psql" -h /tmp -U sketchd -d postgres -qc "CREATE DATABASE sketchd"
  "$PGBIN/pg_ctl" -D "$PGDATA" -w -m fast stop >/dev/null
fi
exec "$PGBIN/postgres" -D "$PGDATA" -c listen_addresses='*' -k /tmp -c max_connections=200
