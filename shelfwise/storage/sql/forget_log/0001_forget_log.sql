-- the forget log: digests of forgotten shoppers, followed by every server process (seq > watermark)
CREATE TABLE forgotten (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    digest text NOT NULL,
    ts bigint NOT NULL
);
CREATE INDEX forgotten_ts ON forgotten (ts);
