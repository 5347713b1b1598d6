-- Shelfwise's stores on PostgreSQL. Ids compare byte-wise (COLLATE "C"), as SQLite's do, so
-- the catalog lists products in the same order on every backend. Times are microseconds since
-- the Unix epoch (bigint), as in the SQLite files.

-- catalog: products, the change feed (an outbox written in the product change's transaction:
-- the latest change of each product, `seq` from a database sequence), small JSON documents
CREATE TABLE products (
    product_id text COLLATE "C" PRIMARY KEY,
    data text NOT NULL,
    hash text NOT NULL
);
CREATE SEQUENCE catalog_seq AS bigint;
CREATE TABLE catalog_outbox (
    product_id text COLLATE "C" PRIMARY KEY,
    seq bigint NOT NULL,
    deleted boolean NOT NULL
);
CREATE INDEX catalog_outbox_seq ON catalog_outbox (seq);
CREATE TABLE documents (key text PRIMARY KEY, value text NOT NULL);

-- events: append-only, idempotent by event_id; seq only grows (never reused after a deletion)
CREATE TABLE events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id text NOT NULL UNIQUE,
    actor text NOT NULL,
    session_id text,
    type text NOT NULL,
    product_id text,
    ts bigint NOT NULL,
    data text NOT NULL
);
CREATE INDEX events_actor_seq ON events (actor, seq);

-- impressions: one row per response, idempotent by request_id; n orders ties in time
CREATE TABLE impressions (
    request_id text PRIMARY KEY,
    n bigint GENERATED ALWAYS AS IDENTITY,
    surface text NOT NULL,
    ts bigint NOT NULL,
    user_id text,
    session_id text,
    query text,
    items text NOT NULL,
    variants text NOT NULL,
    context text NOT NULL
);
CREATE INDEX impressions_ts ON impressions (ts, n);

-- exposures: idempotent by (experiment, request_id)
CREATE TABLE exposures (
    experiment text NOT NULL,
    request_id text NOT NULL,
    n bigint GENERATED ALWAYS AS IDENTITY,
    variant text NOT NULL,
    unit_id text NOT NULL,
    ts bigint NOT NULL,
    surface text NOT NULL,
    PRIMARY KEY (experiment, request_id)
);
CREATE INDEX exposures_experiment_ts ON exposures (experiment, ts, n);

-- API keys: hashes and signing secrets, never the keys
CREATE TABLE api_keys (
    key_id text PRIMARY KEY,
    actions text NOT NULL,
    description text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint,
    revoked_at bigint,
    key_hash text NOT NULL,
    signing_secret text NOT NULL
);

-- recommendation answers shared by the server's processes: a cache, so not WAL-logged
CREATE UNLOGGED TABLE shared_answers (
    key text PRIMARY KEY,
    marker text NOT NULL,
    stored_at double precision NOT NULL,
    value text NOT NULL,
    owner text
);
CREATE INDEX shared_answers_owner ON shared_answers (owner);
