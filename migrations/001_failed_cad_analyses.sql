-- Dead-letter records of failed or degraded CAD analyses (geometry_service/dead_letter_queue.py).
-- Idempotent: safe to run again on a database that already has it.

CREATE TABLE IF NOT EXISTS failed_cad_analyses (
    id              bigserial PRIMARY KEY,
    -- Retries of one failure share this key; writers use ON CONFLICT DO NOTHING.
    idempotency_key text NOT NULL UNIQUE,
    correlation_id  text NOT NULL,
    file_name       text,
    file_hash       text,            -- sha256 hex of the uploaded file
    file_size       bigint,
    error_type      text NOT NULL
        CONSTRAINT failed_cad_analyses_error_type_check
        CHECK (error_type IN ('transient', 'permanent', 'systemic')),
    error_code      text NOT NULL,
    error_message   text NOT NULL,
    details         jsonb NOT NULL DEFAULT '{}'::jsonb,  -- tiers tried, timings, versions
    retry_count     integer NOT NULL DEFAULT 0,
    traceback       text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS failed_cad_analyses_created_at_idx
    ON failed_cad_analyses (created_at DESC);
CREATE INDEX IF NOT EXISTS failed_cad_analyses_error_type_idx
    ON failed_cad_analyses (error_type, created_at DESC);

-- No policies: only the service role (which bypasses RLS) may read or write.
ALTER TABLE failed_cad_analyses ENABLE ROW LEVEL SECURITY;

-- PostgREST cannot GROUP BY, so /dlq/stats reads the aggregates from this view.
-- security_invoker: the view applies the caller's RLS, so it leaks nothing
-- that the table itself would not show.
CREATE OR REPLACE VIEW failed_cad_analyses_summary
    WITH (security_invoker = true) AS
SELECT error_type,
       error_code,
       count(*)        AS count,
       min(created_at) AS oldest,
       max(created_at) AS newest
FROM failed_cad_analyses
GROUP BY error_type, error_code;

-- Supabase grants new objects to its API roles by default; take that back.
-- The roles exist only on Supabase, so plain Postgres skips this.
DO $$
DECLARE
    api_role text;
BEGIN
    FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = api_role) THEN
            EXECUTE format('REVOKE ALL ON failed_cad_analyses, failed_cad_analyses_summary FROM %I', api_role);
        END IF;
    END LOOP;
END
$$;
