-- A measurement's value must lie in its instrument's range and, for a status instrument, be one
-- of its coded levels. A CHECK constraint cannot look at another table, so this is a trigger.
-- It is a statement-level trigger over the transition table: one join per statement instead of
-- one lookup per row, which keeps bulk ingest fast.
CREATE OR REPLACE FUNCTION measurements_check_value_range() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  offending record;
BEGIN
  SELECT m.reference, m.instrument_code, m.value, i.min_value, i.max_value
    INTO offending
    FROM new_rows m
    JOIN instruments i ON i.code = m.instrument_code
   WHERE m.value < i.min_value
      OR m.value > i.max_value
      OR (i.levels IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM jsonb_array_elements(i.levels) AS level
             WHERE (level ->> 'value')::float8 = m.value))
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'measurement % has value % outside the range of instrument % (% to %, or one of its levels)',
      offending.reference, offending.value, offending.instrument_code, offending.min_value, offending.max_value
      USING ERRCODE = 'check_violation',
            CONSTRAINT = 'measurements_value_in_instrument_range',
            TABLE = 'measurements',
            COLUMN = 'value';
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER measurements_value_range_on_insert
  AFTER INSERT ON measurements
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION measurements_check_value_range();
--> statement-breakpoint
CREATE TRIGGER measurements_value_range_on_update
  AFTER UPDATE ON measurements
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION measurements_check_value_range();
