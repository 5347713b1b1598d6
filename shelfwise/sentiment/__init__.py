"""The shop's own review-sentiment model (issue 30): trained from reviews with ratings on frozen
MiniLM or multilingual-E5 vectors, served as int8 ONNX.

Entry points: `train_sentiment` (training and publishing), `SentimentModel` / `load_active_sentiment`
(inference: `predict(texts, languages=None) -> list[Sentiment]`), `split_sentences` and
`sentence_sentiments` (aspect sentences), `read_training_reviews` (TSV files)."""

from shelfwise.sentiment.model import SentimentModel, sentence_sentiments, split_sentences
from shelfwise.sentiment.published import (
    NoSentimentModelError,
    active_sentiment_path,
    load_active_sentiment,
    sentiment_registry,
)
from shelfwise.sentiment.records import LABELS, ReviewExample, Sentiment, label_of_rating
from shelfwise.sentiment.reviews_file import (
    ReviewFileError,
    chinese_review_set,
    read_review_texts,
    read_training_reviews,
)
from shelfwise.sentiment.train import SentimentArtifact, SentimentTrainingConfig, train_sentiment

__all__ = [
    "LABELS",
    "NoSentimentModelError",
    "ReviewExample",
    "ReviewFileError",
    "Sentiment",
    "SentimentArtifact",
    "SentimentModel",
    "SentimentTrainingConfig",
    "active_sentiment_path",
    "chinese_review_set",
    "label_of_rating",
    "load_active_sentiment",
    "read_review_texts",
    "read_training_reviews",
    "sentence_sentiments",
    "sentiment_registry",
    "split_sentences",
    "train_sentiment",
]
