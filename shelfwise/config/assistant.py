"""The shopping assistant's settings (issue 31)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class AssistantConfig(BaseModel):
    """How the assistant retrieves, when it asks, and where it keeps conversations and the FAQ."""

    faq_path: Path | None = Field(
        default=None,
        description="the shop's FAQ (JSON lines or YAML); default: the file `shelfwise assistant "
        "faq import` wrote (data_dir/assistant/faq.jsonl), if any",
    )
    conversation_ttl_hours: float = Field(
        default=24.0, gt=0, description="a conversation idle this long is forgotten (and pruned)"
    )
    show: int = Field(default=5, ge=1, le=20, description="products shown in one reply")
    candidates: int = Field(default=50, ge=5, le=200, description="products retrieved per turn")
    max_questions: int = Field(
        default=2, ge=0, le=5, description="questions asked in a row before products are shown"
    )
    min_information_bits: float = Field(
        default=0.9,
        ge=0,
        description="a question is asked only if its answer splits the candidates this well",
    )
    faq_min_similarity: float | None = Field(
        default=None,
        ge=-1,
        le=1,
        description="cosine a FAQ question needs to be the answer; default: the encoder's own floor",
    )
