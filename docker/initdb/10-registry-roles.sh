#!/bin/sh
# Runs once, when the database volume is first initialised (docker-entrypoint-initdb.d), as the
# server's superuser: creates the registry's two roles and hands the database to the owner role
# (src/db/database-roles.sql). The service then migrates as registry_owner and runs as registry_app.
set -eu
psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_password="$REGISTRY_OWNER_PASSWORD" -v app_password="$REGISTRY_APP_PASSWORD" -v database="$POSTGRES_DB" <<'SQL'
select set_config('registry.owner_role', 'registry_owner', false), set_config('registry.app_role', 'registry_app', false),
       set_config('registry.owner_password', :'owner_password', false), set_config('registry.app_password', :'app_password', false),
       set_config('registry.database', :'database', false) \g /dev/null
\i /registry/database-roles.sql
SQL
