"""The records of review aspects: a review as aspects read it, clause sentiment, mined aspects,
aspect mentions and a product's review summary.

`AspectReview` is this package's own input record (the reviews package's record is converted into
it by whoever wires the two together), so mining, matching and summaries depend on nothing but
text, rating, category and language.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

SentimentName = Literal["negative", "neutral", "positive"]
AspectStatus = Literal["pending", "accepted", "rejected"]
AspectLanguage = Literal["en", "zh"]


class AspectReview(BaseModel):
    """One review as aspect mining and summaries read it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    review_id: str = Field(min_length=1)
    product_id: str = Field(min_length=1)
    category: tuple[str, ...] = ()
    text: str
    rating: int | None = Field(default=None, ge=1, le=5)
    language: AspectLanguage = "en"
    flagged: bool = Field(default=False, description="a duplicate or spam: left out of summaries")

    @field_validator("category", mode="before")
    @classmethod
    def _category_path(cls, value: object) -> object:
        """ "A > B" or ["A", "B"]; blanks dropped."""
        if isinstance(value, str):
            value = value.split(">")
        if isinstance(value, list | tuple):
            return tuple(part.strip() for part in value if isinstance(part, str) and part.strip())
        return value


class ClauseSentiment(NamedTuple):
    """The sentiment of one clause: a label and the model's confidence in it (0..1). A named
    tuple, so a model that answers plain (label, score) pairs reads the same."""

    label: SentimentName
    score: float


class AspectEvidence(BaseModel):
    """Why mining proposed an aspect."""

    model_config = ConfigDict(frozen=True)

    reviews: int = Field(ge=0, description="reviews of the category that mention it")
    opinion_reviews: int = Field(ge=0, description="of those, with an opinion word in the same clause")
    category_reviews: int = Field(ge=0, description="reviews of the category")
    lift: float | None = Field(default=None, description="its share in this category over other categories'")
    examples: tuple[str, ...] = ()
    similar: tuple[str, ...] = Field(default=(), description="other candidates close in the embedding space")


class AspectCandidate(BaseModel):
    """A mined aspect of a category: its name, the written forms that mention it, and its status."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    category: str = Field(description="the category path joined with ' > '")
    name: str = Field(min_length=1)
    terms: tuple[str, ...] = Field(description="forms that mention it (lower case): plurals, compounds")
    language: AspectLanguage = "en"
    score: float = 0.0
    evidence: AspectEvidence
    status: AspectStatus = "pending"
    mined_as: str | None = Field(default=None, description="the name mining gave it, once renamed")

    @property
    def key(self) -> tuple[str, str]:
        return self.category, self.name


class AspectMention(BaseModel):
    """One aspect mentioned in one clause of one review, with that clause's sentiment."""

    model_config = ConfigDict(frozen=True)

    review_id: str
    product_id: str
    aspect: str
    term: str = Field(description="the form found in the clause")
    clause: str
    label: SentimentName
    score: float
    opinion: str | None = Field(default=None, description="the opinion word next to it, if any")


class SummaryStatement(BaseModel):
    """One sentence of a summary and the counts and reviews behind it."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["praise", "complaint", "mixed"]
    aspect: str
    text: str
    reviews: int = Field(ge=1, description="reviews that say it")
    positive: int = Field(ge=0)
    negative: int = Field(ge=0)
    opinion: str | None = None
    review_ids: tuple[str, ...]


class ReviewSummary(BaseModel):
    """What a product's reviews say, statement by statement, each backed by counts and review ids."""

    model_config = ConfigDict(frozen=True)

    product_id: str
    language: AspectLanguage
    reviews: int = Field(ge=0, description="reviews read (flagged ones left out)")
    average_rating: float | None = None
    statements: tuple[SummaryStatement, ...] = ()
    text: str = Field(default="", description="the statements joined into one line")
