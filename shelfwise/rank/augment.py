"""Query augmentation for training the ranking model: noisy copies of shoppers' queries.

Real queries arrive misspelt, shortened and in other words than the catalog's, so a model that
has only seen each logged query as typed leans on its exact embedding. Augmentation rewrites the
query of a share of the training requests (every row of a request gets the same rewrite, so a
request stays one query) with one of: a typo (a swapped, dropped or doubled letter in a word of
four letters or more), a dropped word (queries of two words or more), or a synonym swap (from
the shop's approved synonym pairs, when given). Labels stay: the shopper's intent is unchanged.
Only training rows are rewritten; validation and test keep the queries as logged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.query.typos import misspell
from shelfwise.rank.examples import Impressions

KINDS = ("typo", "drop", "synonym")


class AugmentConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    share: float = Field(default=0.0, ge=0, le=1, description="share of training requests rewritten; 0 = off")
    kinds: tuple[str, ...] = Field(default=KINDS, description="typo, drop, synonym")
    seed: int = 0


def typo(text: str, rng: np.random.Generator) -> str:
    """One edit in one word of four letters or more: a swap, a dropped or a doubled letter (the
    shopper simulator's own misspelling)."""
    return misspell(text, rng)


def drop_word(text: str, rng: np.random.Generator) -> str:
    words = text.split()
    if len(words) < 2:
        return text
    del words[int(rng.integers(len(words)))]
    return " ".join(words)


def swap_synonym(text: str, synonyms: Mapping[str, str], rng: np.random.Generator) -> str:
    words = text.split()
    known = [i for i, w in enumerate(words) if w.lower() in synonyms]
    if not known:
        return text
    i = known[int(rng.integers(len(known)))]
    words[i] = synonyms[words[i].lower()]
    return " ".join(words)


def rewrite(text: str, kinds: tuple[str, ...], synonyms: Mapping[str, str], rng: np.random.Generator) -> str:
    """One rewrite of a kind drawn from `kinds` that applies to the text (else the text)."""
    usable = [k for k in kinds if k != "synonym" or any(w.lower() in synonyms for w in text.split())]
    if not usable:
        return text
    kind = usable[int(rng.integers(len(usable)))]
    if kind == "typo":
        return typo(text, rng)
    if kind == "drop":
        return drop_word(text, rng)
    return swap_synonym(text, synonyms, rng)


def augment_queries(
    data: Impressions, rows: np.ndarray, config: AugmentConfig, synonyms: Mapping[str, str] | None = None
) -> tuple[Impressions, int]:
    """`data` with the queries of a `config.share` of the requests among `rows` rewritten, and how
    many requests were rewritten."""
    if config.share <= 0 or len(rows) == 0:
        return data, 0
    rng = np.random.default_rng(config.seed)
    codes = data.request_codes()
    first_row = np.full(int(codes.max()) + 1, -1)
    first_row[codes[::-1]] = np.arange(len(codes))[::-1]  # each request's first row
    requests = np.unique(codes[rows])
    searched = requests[[bool(data.queries[first_row[r]]) for r in requests]]
    chosen = searched[rng.random(len(searched)) < config.share]
    if len(chosen) == 0:
        return data, 0
    rewritten = {
        int(r): rewrite(str(data.queries[first_row[r]]), config.kinds, synonyms or {}, rng) for r in chosen
    }
    queries = data.queries.copy()
    for row in np.flatnonzero(np.isin(codes, chosen)):
        queries[row] = rewritten[int(codes[row])]
    return dataclasses.replace(data, queries=queries), len(chosen)
