"""Typed text -> corrected word sequences -> key ranges: the in-sequence matches of one call.

Every typed word but the last is a complete word (itself, its plural or singular, or a word within
the typo budget); the last is a prefix unless the text ends with a space or punctuation. A beam
keeps the cheapest `max_combinations` corrections; each becomes one prefix search in the key index,
whose best-scoring keys are returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.query.suggest.store import SuggestState
from shelfwise.query.suggest.text import ends_inside_word, words
from shelfwise.query.suggest.types import SuggestConfig
from shelfwise.query.suggest.vocab import Vocabulary, WordOption

MAX_TYPED_CHARS = 200
VERIFY_LIMIT = 5000


@dataclass(frozen=True, slots=True)
class Typed:
    complete: tuple[str, ...]
    last: str | None  # the word being typed; None after a space or punctuation


@dataclass(frozen=True, slots=True)
class Combo:
    """One reading of the typed words (corrected where needed) and its total edits."""

    words: tuple[str, ...]
    cost: int
    mass: float
    partial: bool

    def text(self) -> str:
        return " ".join(self.words) + ("" if self.partial else " ")


@dataclass(frozen=True, slots=True)
class Hit:
    """A suggestion row matched from word `pos` on (-1: its words out of sequence), or (row -1)
    a completion made up from `text`."""

    score: float
    row: int
    pos: int
    combo: Combo
    text: str = ""

    @property
    def identity(self) -> int | str:
        return self.row if self.row >= 0 else self.text


def parse_typed(prefix: str) -> Typed | None:
    prefix = prefix[:MAX_TYPED_CHARS]
    found = words(prefix)
    if not found:
        return None
    if ends_inside_word(prefix):
        return Typed(tuple(found[:-1]), found[-1])
    return Typed(tuple(found), None)


def _extend(
    beam: list[Combo], options: Sequence[WordOption], config: SuggestConfig, partial: bool
) -> list[Combo]:
    grown = [
        Combo(combo.words + (option.text,), combo.cost + option.cost, min(combo.mass, option.mass), partial)
        for combo in beam
        for option in options
        if combo.cost + option.cost <= config.max_total_edits
    ]
    grown.sort(key=lambda combo: (combo.cost, -combo.mass))
    return grown[: config.max_combinations]


def combinations(typed: Typed, vocab: Vocabulary, config: SuggestConfig) -> list[Combo]:
    beam = [Combo((), 0, float("inf"), False)]
    for word in typed.complete:
        options = vocab.word_options(word, config.max_edits(len(word)), config.max_word_options)
        beam = _extend(beam, options, config, partial=False)
    if typed.last is not None:
        options = vocab.prefix_options(
            typed.last, config.max_edits(len(typed.last)), config.max_prefix_options
        )
        beam = _extend(beam, options, config, partial=True)
    return beam


def _verified(state: SuggestState, rows: np.ndarray, pos: np.ndarray, text: str) -> np.ndarray:
    """Which keys really start with text (for text longer than the indexed key width)."""
    ok = np.zeros(len(rows), dtype=bool)
    for at in range(min(len(rows), VERIFY_LIMIT)):
        suffix = words(state.table.text[rows[at]])[pos[at] :]
        ok[at] = (" ".join(suffix) + " ").startswith(text)
    return ok


def range_hits(state: SuggestState, combo: Combo, config: SuggestConfig, keep: int) -> list[Hit]:
    """The `keep` best-scoring keys that start with the combo's text."""
    text = combo.text()
    needle = text.encode("utf-8")
    span = state.keys.prefix_range(needle)
    if len(span) == 0:
        return []
    rows = state.keys.entry[span.lo : span.hi]
    pos = state.keys.pos[span.lo : span.hi]
    scores = state.scores[rows] + config.lead_bonus * (pos == 0) - config.typo_penalty * combo.cost
    if span.complete:
        exact = state.keys.equal_range(needle if needle.endswith(b" ") else needle + b" ")
        lo, hi = exact.lo - span.lo, exact.hi - span.lo
        scores[lo:hi] += config.exact_bonus * (pos[lo:hi] == 0)
    else:
        scores[~_verified(state, rows, pos, text)] = -np.inf
    picked = np.argpartition(-scores, keep)[:keep] if len(scores) > keep else np.arange(len(scores))
    return [
        Hit(float(scores[at]), int(rows[at]), int(pos[at]), combo)
        for at in picked.tolist()
        if np.isfinite(scores[at])
    ]
