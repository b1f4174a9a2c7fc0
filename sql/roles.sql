-- Least-privilege roles for the suppliers database. Applied by an operator
-- (a superuser, or a role with CREATEROLE that owns the database), never by
-- `suppliers-server migrate`. Idempotent: run it before the first migrate
-- (to create the roles) and again after every migrate (to grant on what the
-- migration created):
--
--   psql -d suppliers -v owner_password=... -v app_password=... -f sql/roles.sql
--
-- suppliers_owner  owns the schema's objects; `suppliers-server migrate`
--                  connects as it.
-- suppliers_app    what serving needs and nothing more: read and write the
--                  tutorial's tables and the bookkeeping tables the calls
--                  write, use their sequences, run the function and the
--                  procedure, stage uploads in a temporary table, read
--                  schema_migrations (the health probe). It owns nothing, so
--                  it can DROP, ALTER or TRUNCATE nothing.
\set ON_ERROR_STOP on

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'suppliers_owner') THEN
    CREATE ROLE suppliers_owner LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'suppliers_app') THEN
    CREATE ROLE suppliers_app LOGIN;
  END IF;
END
$$;

\if :{?owner_password}
ALTER ROLE suppliers_owner PASSWORD :'owner_password';
\endif
\if :{?app_password}
ALTER ROLE suppliers_app PASSWORD :'app_password';
\endif

-- The owner creates in the schema; nobody else does.
DO $$
BEGIN
  EXECUTE format('GRANT CONNECT, CREATE, TEMPORARY ON DATABASE %I TO suppliers_owner',
                 current_database());
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO suppliers_app',
                 current_database());
END
$$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO suppliers_owner;
GRANT USAGE ON SCHEMA public TO suppliers_app;

-- What later migrations (run as the owner) create is usable by the app.
ALTER DEFAULT PRIVILEGES FOR ROLE suppliers_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO suppliers_app;
ALTER DEFAULT PRIVILEGES FOR ROLE suppliers_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO suppliers_app;
ALTER DEFAULT PRIVILEGES FOR ROLE suppliers_owner IN SCHEMA public
  GRANT EXECUTE ON FUNCTIONS TO suppliers_app;

-- What exists already (this file runs again after each migrate).
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['vendors', 'parts', 'part_drawings', 'vendor_parts',
                           'request_ids', 'drawing_digests',
                           'change_transactions', 'change_events',
                           'change_feed_state'] LOOP
    IF to_regclass(t) IS NOT NULL THEN
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO suppliers_app', t);
    END IF;
  END LOOP;
  FOREACH t IN ARRAY ARRAY['vendors_vendor_id_seq', 'parts_part_id_seq',
                           'change_sequence'] LOOP
    IF to_regclass(t) IS NOT NULL THEN
      EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %I TO suppliers_app', t);
    END IF;
  END LOOP;
  IF to_regclass('schema_migrations') IS NOT NULL THEN
    -- The app reads the applied versions; only migrate writes them.
    REVOKE ALL ON schema_migrations FROM suppliers_app;
    GRANT SELECT ON schema_migrations TO suppliers_app;
  END IF;
  IF to_regprocedure('get_parts_by_vendor(integer)') IS NOT NULL THEN
    GRANT EXECUTE ON FUNCTION get_parts_by_vendor(integer) TO suppliers_app;
  END IF;
  IF to_regprocedure('add_new_part(character varying, character varying)') IS NOT NULL THEN
    GRANT EXECUTE ON PROCEDURE add_new_part(varchar, varchar) TO suppliers_app;
  END IF;
END
$$;
