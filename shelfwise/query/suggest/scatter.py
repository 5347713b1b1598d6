"""Fallback when the typed words are not next to each other in enough suggestions.

"dewalt impa" is in no title as such ("DEWALT 20-Volt ... Impact Driver"), so the rows holding every
complete typed word and a word that starts with the last one are found from word postings. They are
offered (with `scattered_penalty`), together with completions made up from the typed words and the
most frequent completion of the last word among those rows ("dewalt impact"), which read like
searches. A completion weighs each row as 1 plus its search count.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shelfwise.query.suggest.match import Combo, Hit
from shelfwise.query.suggest.store import SuggestState
from shelfwise.query.suggest.types import SuggestConfig
from shelfwise.query.suggest.words import sorted_unique

MAX_SCATTER_COMBOS = 6
MAX_SCATTER_ROWS = 5000  # rows holding very common typed words: only the best-scoring ones are read


def _matching_rows(state: SuggestState, complete: tuple[str, ...]) -> tuple[np.ndarray, list[int]]:
    ids = [state.vocab.ids.get(word) for word in complete]
    known = [word_id for word_id in ids if word_id is not None]
    if len(known) < len(ids):
        return np.zeros(0, dtype=np.int32), []
    rows = state.words.rows_with_all(known)
    rows = rows[np.isfinite(state.scores[rows])]
    if len(rows) > MAX_SCATTER_ROWS:
        rows = np.sort(rows[np.argpartition(-state.scores[rows], MAX_SCATTER_ROWS)[:MAX_SCATTER_ROWS]])
    return rows, known


def _completions(
    state: SuggestState, pairs: tuple[np.ndarray, np.ndarray], prefix: str, typed_ids: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows with a word starting with prefix, those words (ids) and their weights."""
    vocab = state.vocab
    wanted = np.zeros(len(vocab), dtype=bool)
    wanted[vocab.ids_with_prefix(prefix)] = True
    wanted[typed_ids] = False
    pair_rows, pair_words = pairs
    matched = wanted[pair_words]
    pair_rows, pair_words = pair_rows[matched], pair_words[matched]
    weights = np.bincount(pair_words, weights=1.0 + state.table.count[pair_rows], minlength=len(vocab))
    completions = np.flatnonzero(weights)
    return sorted_unique(pair_rows), completions, weights[completions]


def _made_up(
    state: SuggestState,
    combo: Combo,
    completions: np.ndarray,
    weights: np.ndarray,
    config: SuggestConfig,
    keep: int,
    penalty: float,
) -> list[Hit]:
    head = " ".join(combo.words[:-1])
    hits = []
    for at in np.argsort(-weights, kind="stable")[:keep].tolist():
        word = state.vocab.by_id[int(completions[at])]
        if len(word) < 2:
            continue
        score = config.phrase_bonus + config.df_weight * float(np.log1p(weights[at])) + config.lead_bonus
        hits.append(Hit(score - penalty, -1, 0, combo, text=f"{head} {word}"))
    return hits


def scattered_hits(
    state: SuggestState, combos: Sequence[Combo], config: SuggestConfig, keep: int
) -> list[Hit]:
    """Rows holding all typed words out of sequence, and made-up completions."""
    hits: list[Hit] = []
    found: dict[tuple[str, ...], tuple[np.ndarray, list[int], tuple[np.ndarray, np.ndarray] | None]] = {}
    for combo in combos[:MAX_SCATTER_COMBOS]:
        complete = combo.words[:-1] if combo.partial else combo.words
        if len(combo.words) < 2 or len(set(complete)) < len(complete):
            continue
        if complete not in found:
            rows, typed_ids = _matching_rows(state, complete)
            found[complete] = (rows, typed_ids, None)
        rows, typed_ids, pairs = found[complete]
        penalty = config.typo_penalty * combo.cost + config.scattered_penalty
        if combo.partial and len(rows):
            if pairs is None:
                pairs = state.words.pairs(rows)
                found[complete] = (rows, typed_ids, pairs)
            rows, completions, weights = _completions(state, pairs, combo.words[-1], typed_ids)
            hits.extend(_made_up(state, combo, completions, weights, config, keep, penalty))
        if len(rows):
            scores = state.scores[rows] - penalty
            picked = np.argsort(-scores, kind="stable")[:keep]
            hits.extend(Hit(float(scores[at]), int(rows[at]), -1, combo) for at in picked.tolist())
    return hits
