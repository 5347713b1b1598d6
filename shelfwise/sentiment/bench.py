"""`shelfwise bench sentiment`: score a review file with the data folder's active model."""

from __future__ import annotations

from pathlib import Path

from shelfwise.sentiment.published import load_active_sentiment
from shelfwise.sentiment.reviews_file import read_review_texts, write_predictions


def bench_sentiment(reviews: Path, out: Path, data_dir: Path, threads: int = 2) -> int:
    """Write `review_id, label, score` for every review of `reviews` to `out`; returns the count.
    NoSentimentModelError without an active model, ReviewFileError for a bad file."""
    model = load_active_sentiment(data_dir, threads)
    texts = read_review_texts(reviews)
    predictions = model.predict([t.text for t in texts], [t.language for t in texts])
    write_predictions(out, [t.review_id for t in texts], predictions)
    return len(texts)
