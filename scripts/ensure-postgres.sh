#!/usr/bin/env bash
# Makes sure the PostgreSQL server programs (initdb, pg_ctl) exist, because the Postgres
# checkpoint tests start a throwaway cluster with them. `npm test` runs this first.
# A fast no-op when they are installed. Installs nothing as a normal user: it says what to run.
set -euo pipefail

have_postgres() {
  local dir
  if [ -n "${PG_BIN_DIR:-}" ] && [ -x "$PG_BIN_DIR/initdb" ] && [ -x "$PG_BIN_DIR/pg_ctl" ]; then return 0; fi
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then return 0; fi
  done
  return 1
}

have_postgres && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-postgres: PostgreSQL server programs not found; the Postgres tests will fail." >&2
  echo "ensure-postgres: install them as root: apt-get install -y postgresql-15 (or run this script with sudo)." >&2
  exit 0
fi

echo "ensure-postgres: installing PostgreSQL server programs with apt-get..." >&2
export DEBIAN_FRONTEND=noninteractive
# The tests start their own clusters: keep the package from creating and starting a default one.
mkdir -p /etc/postgresql-common
if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null \
  || apt-get install -y -qq --no-install-recommends postgresql >/dev/null

if have_postgres; then
  echo "ensure-postgres: installed $(ls -d /usr/lib/postgresql/*/bin | tail -n 1)" >&2
else
  echo "ensure-postgres: apt-get finished but initdb/pg_ctl are still missing under /usr/lib/postgresql/*/bin." >&2
  exit 1
fi
