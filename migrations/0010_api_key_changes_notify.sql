-- Service instances cache API keys in memory (src/modules/api-keys/api-key-cache.ts). Every
-- change to a key, by the service, the keys CLI or by hand in SQL, tells them to drop their
-- cache: the notification is sent when the changing transaction commits. A new key needs no
-- notice: only keys found in the database are cached.
CREATE OR REPLACE FUNCTION api_keys_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('api_keys_changed', CASE WHEN TG_OP = 'TRUNCATE' THEN '' ELSE OLD.id::text END);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER api_keys_notify_change AFTER UPDATE OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION api_keys_notify_change();
--> statement-breakpoint
CREATE TRIGGER api_keys_notify_truncate AFTER TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION api_keys_notify_change();
