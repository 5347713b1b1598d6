"""Merge the matches of one suggest call and turn the best into `Suggestion` records."""

from __future__ import annotations

from collections.abc import Sequence

from shelfwise.query.suggest.match import Combo, Hit, range_hits
from shelfwise.query.suggest.scatter import scattered_hits
from shelfwise.query.suggest.store import SuggestState
from shelfwise.query.suggest.text import Token, dedup_key, tokenize, words
from shelfwise.query.suggest.types import KINDS, PHRASE, PRODUCT, SuggestConfig, Suggestion


def _best(hits: Sequence[Hit], best: dict[int | str, Hit]) -> None:
    for hit in hits:
        have = best.get(hit.identity)
        if have is None or hit.score > have.score:
            best[hit.identity] = hit


def find_hits(state: SuggestState, combos: Sequence[Combo], config: SuggestConfig, limit: int) -> list[Hit]:
    """In-sequence matches; when they give fewer than `limit` rows, out-of-sequence ones too."""
    keep = limit * config.candidates_per_result
    best: dict[int | str, Hit] = {}
    for combo in combos:
        _best(range_hits(state, combo, config, keep), best)
    if len(best) < limit:
        _best(scattered_hits(state, combos, config, keep), best)
    return sorted(best.values(), key=lambda hit: (-hit.score, str(hit.identity)))


def _prefix_end(token: Token, word: str) -> int:
    if len(token.norm) == token.end - token.start:
        return token.start + min(len(word), len(token.norm))
    return token.end


def highlight(text: str, pos: int, combo: Combo) -> tuple[tuple[int, int], ...]:
    """Character spans of text matched by the combo's words (from word `pos`, or anywhere if -1)."""
    tokens = tokenize(text)
    last = len(combo.words) - 1
    spans: list[tuple[int, int]] = []
    if pos < 0:
        complete = set(combo.words[:last] if combo.partial else combo.words)
        for token in tokens:
            if token.norm in complete:
                spans.append((token.start, token.end))
            elif combo.partial and token.norm.startswith(combo.words[last]):
                spans.append((token.start, _prefix_end(token, combo.words[last])))
    else:
        for offset, word in enumerate(combo.words[: max(0, len(tokens) - pos)]):
            token = tokens[pos + offset]
            is_prefix = combo.partial and offset == last
            spans.append((token.start, _prefix_end(token, word) if is_prefix else token.end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _suggestion(state: SuggestState, hit: Hit, text: str) -> Suggestion:
    spans = highlight(text, hit.pos, hit.combo)
    if hit.row < 0:
        return Suggestion(text=text, kind=KINDS[PHRASE], score=round(hit.score, 4), highlight=spans)
    table = state.table
    kind = int(table.kind[hit.row])
    return Suggestion(
        text=text,
        kind=KINDS[kind],
        score=round(hit.score, 4),
        product_id=table.product_id[hit.row] if kind == PRODUCT else None,
        category=table.category[hit.row] or None,
        brand=table.brand[hit.row] or None,
        highlight=spans,
    )


def to_suggestions(state: SuggestState, hits: Sequence[Hit], limit: int) -> list[Suggestion]:
    """First `limit` hits with distinct dedup keys (case-, accent- and plural-insensitive)."""
    out: list[Suggestion] = []
    seen: set[str] = set()
    for hit in hits:
        text = hit.text if hit.row < 0 else state.table.text[hit.row]
        key = dedup_key(words(text))
        if key in seen:
            continue
        seen.add(key)
        out.append(_suggestion(state, hit, text))
        if len(out) == limit:
            break
    return out


def popular(state: SuggestState, limit: int) -> list[Suggestion]:
    """The most searched suggestions, for an empty prefix."""
    nothing = Combo((), 0, 0.0, False)
    hits = [
        Hit(float(state.scores[row]), row, 0, nothing)
        for row in state.popular.tolist()
        if state.table.alive[row]
    ]
    return to_suggestions(state, hits, limit)
