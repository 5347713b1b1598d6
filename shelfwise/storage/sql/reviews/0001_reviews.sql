-- shoppers' reviews (shelfwise/reviews/postgres.py): the review as JSON beside the columns its
-- queries need; flagged reviews are kept and left out of lists and aggregates unless asked for
CREATE TABLE reviews (
    review_id text COLLATE "C" PRIMARY KEY,
    product_id text COLLATE "C" NOT NULL,
    shopper_id text NOT NULL,
    rating smallint NOT NULL,
    ts bigint NOT NULL,
    text_key text,
    flagged boolean NOT NULL,
    data text NOT NULL
);
CREATE INDEX reviews_product ON reviews (product_id, flagged, ts, review_id);
CREATE INDEX reviews_shopper ON reviews (shopper_id, ts);
CREATE INDEX reviews_text ON reviews (text_key);
CREATE INDEX reviews_flagged ON reviews (flagged, ts, review_id);
