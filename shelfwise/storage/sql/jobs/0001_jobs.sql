-- the job queue: training work queued by the CLI and the admin console, run by `shelfwise worker`
CREATE TABLE jobs (
    job_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL,
    params text NOT NULL,
    state text NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    progress double precision NOT NULL DEFAULT 0,
    message text NOT NULL DEFAULT '',
    created_at bigint NOT NULL,
    started_at bigint,
    finished_at bigint,
    heartbeat_at bigint,
    worker text,
    error text,
    attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX jobs_queued ON jobs (job_id) WHERE state = 'queued';
CREATE INDEX jobs_running ON jobs (heartbeat_at) WHERE state = 'running';
CREATE TABLE job_log (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id bigint NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    ts bigint NOT NULL,
    line text NOT NULL
);
CREATE INDEX job_log_job ON job_log (job_id, seq);
