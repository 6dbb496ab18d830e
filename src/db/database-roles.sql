-- The registry's two database roles, created idempotently. Run as a superuser (or a role with
-- CREATEROLE), once per server; running it again changes nothing but the passwords given.
--
--   owner role    owns the schema: migrations run as it (DATABASE_OWNER_URL)
--   service role  what the service runs as (DATABASE_URL): it reads and writes records, and may
--                 only INSERT and SELECT audit events; it cannot alter audit_events, disable its
--                 triggers, or UPDATE, DELETE or TRUNCATE it (src/db/roles.ts grants exactly that
--                 after each migration)
--
-- The names and passwords are read from session settings, so psql and the test harness run this
-- same file:
--
--   psql -v ON_ERROR_STOP=1 -d registry \
--     -c "select set_config('registry.owner_role', 'registry_owner', false), set_config('registry.app_role', 'registry_app', false),
--                set_config('registry.owner_password', '…', false), set_config('registry.app_password', '…', false),
--                set_config('registry.database', 'registry', false)" \
--     -f src/db/database-roles.sql
--
-- registry.database (optional) hands that database to the owner role, so migrations may create
-- tables in it. Passwords are optional (leave them out where the server trusts local connections).
DO $roles$
DECLARE
  owner_role text := current_setting('registry.owner_role');
  app_role text := current_setting('registry.app_role');
  owner_password text := nullif(current_setting('registry.owner_password', true), '');
  app_password text := nullif(current_setting('registry.app_password', true), '');
  target_database text := nullif(current_setting('registry.database', true), '');
  role_name text;
BEGIN
  IF owner_role = app_role THEN
    RAISE EXCEPTION 'the owner and the service need two different roles';
  END IF;
  FOREACH role_name IN ARRAY ARRAY[owner_role, app_role] LOOP
    BEGIN
      EXECUTE format('CREATE ROLE %I LOGIN', role_name);
    EXCEPTION WHEN duplicate_object THEN
      NULL; -- Created before, or by a concurrent run of this file.
    END;
  END LOOP;
  -- Neither may step around the rules: no superuser, no role or database creation, no bypass of
  -- row security, no replication. The service's role inherits nothing.
  EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS', owner_role);
  EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS NOINHERIT', app_role);
  IF owner_password IS NOT NULL THEN
    EXECUTE format('ALTER ROLE %I PASSWORD %L', owner_role, owner_password);
  END IF;
  IF app_password IS NOT NULL THEN
    EXECUTE format('ALTER ROLE %I PASSWORD %L', app_role, app_password);
  END IF;
  -- Membership in the owner role would let the service SET ROLE to it.
  IF pg_has_role(app_role, owner_role, 'MEMBER') THEN
    RAISE EXCEPTION 'role % is a member of %: revoke that first', app_role, owner_role;
  END IF;
  IF target_database IS NOT NULL THEN
    EXECUTE format('ALTER DATABASE %I OWNER TO %I', target_database, owner_role);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', target_database, app_role);
    -- Before PostgreSQL 15 every role could create objects in schema public (shadowing the
    -- registry's functions, for one); 15 and later already refuse it.
    IF target_database = current_database() THEN
      REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    END IF;
  END IF;
END
$roles$;
