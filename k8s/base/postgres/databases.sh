#!/bin/sh
# PostgreSQL's first start (/docker-entrypoint-initdb.d): one database per service that owns PostgreSQL data
# (docs/architecture.md §2), each owned by a login role of the same name that may connect to it alone — no service
# connects as the superuser. A role's password is the key of that name in the postgres-credentials Secret, mounted
# at $CREDENTIALS_DIR; a missing key stops the start-up here (compose sets DEV_PASSWORD for all instead).
# Idempotent: run it again (kubectl exec) to add a database or reset the passwords on a running server.
set -eu
CREDENTIALS_DIR=${CREDENTIALS_DIR:-/run/postgres-credentials}

database() {
  if [ -r "$CREDENTIALS_DIR/$1" ]; then
    password=$(cat "$CREDENTIALS_DIR/$1")
  else
    password=${DEV_PASSWORD:?"databases.sh: no password for role $1: add the key $1 to the postgres-credentials Secret"}
  fi
  psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v name="$1" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'name') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
ALTER ROLE :"name" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
ALTER DATABASE :"name" OWNER TO :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
  echo "database $1: owned by role $1"
}

database refarch_users
database refarch_payments
database refarch_inventory
database refarch_sagas
database refarch_shipping
# Only when order-service runs its PostgreSQL adapter (ORDERS_DB_URL=postgres://…).
database refarch_orders
# notification-worker (generated)
database refarch_notification
# analytics-worker (generated)
database refarch_analytics
