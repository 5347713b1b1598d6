-- generated product descriptions waiting for the admin (shelfwise/describe/store_postgres.py):
-- one draft per product, the draft as JSON beside its status and creation time
CREATE TABLE description_drafts (
    product_id text COLLATE "C" PRIMARY KEY,
    status text NOT NULL,
    created_ts bigint NOT NULL,
    data text NOT NULL
);
CREATE INDEX description_drafts_status ON description_drafts (status, created_ts, product_id);
CREATE INDEX description_drafts_created ON description_drafts (created_ts, product_id);
