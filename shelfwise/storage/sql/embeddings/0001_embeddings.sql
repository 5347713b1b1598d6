-- the embedding cache in pgvector: vectors keyed by (encoder version, hash of the encoded text),
-- so rebuilding an index reads them back instead of encoding the catalog again
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE embeddings (
    model_version text NOT NULL,
    text_hash text NOT NULL,
    vector vector NOT NULL,
    PRIMARY KEY (model_version, text_hash)
);
