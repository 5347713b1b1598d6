"""How a query's words match each candidate's title, for learned fusion, in array operations.

The features are computed for every candidate of every hybrid search (200 of them), so each is a
few numpy operations over all the candidates' title term codes at once rather than a Python loop
per title. Per query word and candidate (T = the title's and brand's analysed terms):

- `title_terms`: distinct terms in T; `title_precision`: share of them the query asks for;
- `head_term_in_title`, `first_term_in_title`: the query's last (usually the kind of product:
  "deck paint") and first term are in T; `head_position`: where the head term last sits in T,
  0 at the start and 1 at the end (-1 when absent);
- `numbers_in_title`: share of the query's terms holding a digit found in T (-1: none asked);
  `extra_numbers`: T's distinct terms holding a digit that the query does not ask for;
- `query_pairs_in_title`: share of the query's adjacent term pairs adjacent in T (-1: one term);
- `idf_coverage`: the query's distinct terms found in T, weighted by their rarity over titles;
  `max_missing_idf`: the rarest query term not in T (0 when none is missing);
- `fuzzy_coverage`: the share found forgiving a typo or an ending (`near`), or a compound split
  in T ("deck over" for "deckover") or joined in T ("deckover" for "deck over");
  `max_missing_idf_fuzzy`: the rarest one still missing then;
- `trigram_jaccard`: Jaccard similarity of the character trigrams of the query's terms and T's,
  each joined by spaces and padded with one;
- `match_span`: the stretch of T from its first to its last query term, per distinct query term
  in it (1 when they stand together; 0 when none is there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.search.coverage import CROSS_TRIGRAMS, TitleTerms, WordShapes, trigrams

TITLE_FEATURES: tuple[str, ...] = (
    "title_terms",
    "head_term_in_title",
    "first_term_in_title",
    "numbers_in_title",
    "title_precision",
    "query_pairs_in_title",
    "idf_coverage",
    "max_missing_idf",
    "fuzzy_coverage",
    "trigram_jaccard",
    "head_position",
    "extra_numbers",
    "match_span",
    "max_missing_idf_fuzzy",
)
_COLUMN = {name: i for i, name in enumerate(TITLE_FEATURES)}
WITHOUT_TITLES = np.array([0.0, 0.0, 0.0, -1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, -1.0, -1.0, 0.0, 0.0])


def near(a: str, b: str) -> bool:
    """Whether two analysed terms are the same word give or take a typo or an ending: equal, one a
    prefix of the other (both at least 4 letters), or (both at least 5 letters) one edit apart,
    an adjacent swap counted as one edit."""
    if a == b:
        return True
    if len(a) >= 4 and len(b) >= 4 and (a.startswith(b) or b.startswith(a)):
        return True
    if len(a) < 5 or len(b) < 5 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diffs) <= 1 or (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    return short[i:] == long[i + 1 :]


def title_features(product_ids: Sequence[str], terms: Sequence[str], titles: TitleTerms | None) -> np.ndarray:
    """A (candidates, len(TITLE_FEATURES)) float64 matrix, rows in the candidates' order."""
    if titles is None:
        return np.tile(WITHOUT_TITLES, (len(product_ids), 1))
    if not product_ids:
        return np.zeros((0, len(TITLE_FEATURES)))
    return _Matcher(terms, titles, titles.shapes).features(product_ids)


@dataclass(frozen=True)
class _Flat:
    """The candidates' titles laid end to end: `codes[i]` is a term of candidate `seg[i]`, at
    position `pos[i]` of its title; `keys` are the distinct (candidate, term) pairs, and `words`
    the distinct terms of them all, with their shapes."""

    n: int
    lengths: np.ndarray
    codes: np.ndarray
    seg: np.ndarray
    pos: np.ndarray
    same_next: np.ndarray
    """codes[i] and codes[i + 1] are adjacent in one title"""
    key_seg: np.ndarray
    key_code: np.ndarray
    words: np.ndarray
    word_of_key: np.ndarray
    digit: np.ndarray
    length: np.ndarray
    first_letter: np.ndarray
    last_letter: np.ndarray
    word_trigrams: list[np.ndarray]

    @classmethod
    def of(cls, product_ids: Sequence[str], titles: TitleTerms) -> _Flat:
        n = len(product_ids)
        packed = [titles.codes_of(pid) for pid in product_ids]
        lengths = np.fromiter((len(b) // 4 for b in packed), np.int64, n)
        codes = np.frombuffer(b"".join(packed), dtype=np.uint32).astype(np.int64)
        seg = np.repeat(np.arange(n), lengths)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        vocabulary = max(titles.vocabulary, 1)
        keys = _unique(seg * vocabulary + codes)
        key_code = keys % vocabulary
        words = _unique(key_code)
        return cls(
            n,
            lengths,
            codes,
            seg,
            np.arange(len(codes)) - np.repeat(starts, lengths),
            seg[:-1] == seg[1:],
            keys // vocabulary,
            key_code,
            words,
            np.searchsorted(words, key_code),
            *titles.shapes.of(words),
        )

    def count(self, per_key: np.ndarray) -> np.ndarray:
        """Per candidate, how many of its distinct terms are flagged in `per_key`."""
        return np.bincount(self.key_seg, per_key, self.n)

    def holding(self, code: int) -> np.ndarray:
        """Per candidate, whether its title holds the term."""
        return np.bincount(self.key_seg[self.key_code == code], minlength=self.n) > 0

    def adjacent(self, left: int, right: int) -> np.ndarray:
        """Per candidate, whether its title has the two terms side by side, in this order."""
        at = np.flatnonzero(self.same_next & (self.codes[:-1] == left) & (self.codes[1:] == right))
        return np.bincount(self.seg[at], minlength=self.n) > 0


class _Matcher:
    """One query's side of the match, worked out once for all its candidates."""

    def __init__(self, terms: Sequence[str], titles: TitleTerms, shapes: WordShapes) -> None:
        self.titles, self.shapes = titles, shapes
        self.terms = list(terms)
        self.distinct = list(dict.fromkeys(terms))
        self.codes = np.array([_code(titles, t) for t in self.distinct], np.int64)
        self.idf = np.array([titles.idf(t) for t in self.distinct])
        self.number_terms = [t for t in self.terms if any(ch.isdigit() for ch in t)]
        self.pairs = list(zip(self.terms, self.terms[1:], strict=False))
        self.query_trigrams = trigrams(self.terms) if self.terms else frozenset()

    def features(self, product_ids: Sequence[str]) -> np.ndarray:
        flat = _Flat.of(product_ids, self.titles)
        out = np.zeros((flat.n, len(TITLE_FEATURES)))
        column = _COLUMN
        wanted = np.isin(flat.key_code, self.codes)
        distinct = np.bincount(flat.key_seg, minlength=flat.n)
        out[:, column["title_terms"]] = distinct
        out[:, column["title_precision"]] = flat.count(wanted) / np.maximum(distinct, 1)
        out[:, column["numbers_in_title"]] = out[:, column["extra_numbers"]] = -1.0
        out[:, column["query_pairs_in_title"]] = self._pairs_found(flat) if self.pairs else -1.0
        out[:, column["trigram_jaccard"]] = self._trigram_jaccard(flat) if self.terms else 0.0
        out[:, column["match_span"]] = self._match_span(flat, wanted)
        out[:, column["head_position"]] = -1.0
        if not self.distinct:
            return out
        found = np.stack([flat.holding(int(c)) if c >= 0 else np.zeros(flat.n, bool) for c in self.codes], 1)
        fuzzy = found | self._near(flat) | self._split_in_title(flat)
        joined = sum((flat.holding(code) for code in self._joined_pair_codes()), np.zeros(flat.n))
        head, first = self.distinct.index(self.terms[-1]), self.distinct.index(self.terms[0])
        out[:, column["head_term_in_title"]] = found[:, head]
        out[:, column["first_term_in_title"]] = found[:, first]
        out[:, column["idf_coverage"]] = found @ self.idf / (self.idf.sum() or 1.0)
        out[:, column["max_missing_idf"]] = np.where(found, 0.0, self.idf).max(axis=1)
        out[:, column["fuzzy_coverage"]] = (fuzzy.sum(axis=1) + joined) / len(self.distinct)
        out[:, column["max_missing_idf_fuzzy"]] = np.where(fuzzy, 0.0, self.idf).max(axis=1)
        out[:, column["head_position"]] = self._last_position(flat, int(self.codes[head]))
        if self.number_terms:
            asked = np.array([self.number_terms.count(t) for t in self.distinct], float)
            out[:, column["numbers_in_title"]] = found @ asked / len(self.number_terms)
            unasked = flat.digit[flat.word_of_key] & ~np.isin(flat.key_code, self.codes[asked > 0])
            out[:, column["extra_numbers"]] = flat.count(unasked)
        return out

    def _near(self, flat: _Flat) -> np.ndarray:
        """(n, k): the title has a word near the query term but not equal to it. Only words that
        could be near are compared: a prefix starts with the same letter, and one edit keeps the
        length within one."""
        out = np.zeros((flat.n, len(self.distinct)), bool)
        for i, term in enumerate(self.distinct):
            size = len(term)
            if size < 4:
                continue
            same_start = (flat.first_letter == self.shapes.letter_id(term[0])) & (flat.length >= 4)
            one_edit = (np.abs(flat.length - size) <= 1) & (flat.length >= 5) & (size >= 5)
            hits = [
                j
                for j in np.flatnonzero(same_start | one_edit).tolist()
                if flat.words[j] != self.codes[i] and near(term, self.titles.word(int(flat.words[j])))
            ]
            if hits:
                out[flat.key_seg[np.isin(flat.word_of_key, hits)], i] = True
        return out

    def _split_in_title(self, flat: _Flat) -> np.ndarray:
        """(n, k): the query term is two adjacent title terms joined ("deckover" in "deck over")."""
        out = np.zeros((flat.n, len(self.distinct)), bool)
        for i, term in enumerate(self.distinct):
            for cut in range(1, len(term)):
                left, right = self.titles.code_of(term[:cut]), self.titles.code_of(term[cut:])
                if left is not None and right is not None:
                    out[:, i] |= flat.adjacent(left, right)
        return out

    def _joined_pair_codes(self) -> list[int]:
        """Codes of the title terms that two adjacent query terms make joined ("deck over")."""
        joined = (self.titles.code_of(a + b) for a, b in dict.fromkeys(self.pairs))
        return list(dict.fromkeys(code for code in joined if code is not None))

    def _pairs_found(self, flat: _Flat) -> np.ndarray:
        found = np.zeros(flat.n)
        for a, b in self.pairs:
            left, right = self.titles.code_of(a), self.titles.code_of(b)
            if left is not None and right is not None:
                found += flat.adjacent(left, right)
        return found / len(self.pairs)

    @staticmethod
    def _last_position(flat: _Flat, code: int) -> np.ndarray:
        """Where the term last sits in each title, 0 first and 1 last; -1 where absent."""
        at = np.flatnonzero(flat.codes == code) if code >= 0 else np.zeros(0, np.int64)
        last = np.full(flat.n, -1, np.int64)
        np.maximum.at(last, flat.seg[at], flat.pos[at])
        return np.where(last >= 0, last / np.maximum(flat.lengths - 1, 1), -1.0)

    def _match_span(self, flat: _Flat, wanted: np.ndarray) -> np.ndarray:
        matched = np.flatnonzero(np.isin(flat.codes, self.codes))
        low, high = np.full(flat.n, np.iinfo(np.int64).max), np.full(flat.n, -1, np.int64)
        np.minimum.at(low, flat.seg[matched], flat.pos[matched])
        np.maximum.at(high, flat.seg[matched], flat.pos[matched])
        return np.where(high >= 0, (high - low + 1) / np.maximum(flat.count(wanted), 1), 0.0)

    def _trigram_jaccard(self, flat: _Flat) -> np.ndarray:
        # a title's trigrams: those of each distinct word, padded, and one "x y" across each gap
        counts = np.fromiter((len(t) for t in flat.word_trigrams), np.int64, len(flat.word_trigrams))
        ids = np.concatenate(flat.word_trigrams) if flat.word_trigrams else np.zeros(0, np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        per_key = counts[flat.word_of_key]
        within = np.arange(per_key.sum()) - np.repeat(np.cumsum(per_key) - per_key, per_key)
        inside = ids[np.repeat(offsets[flat.word_of_key], per_key) + within]
        word_at = np.searchsorted(flat.words, flat.codes)
        gap = np.flatnonzero(flat.same_next)
        across = CROSS_TRIGRAMS + (flat.last_letter[word_at[gap]] << 20) + flat.first_letter[word_at[gap + 1]]
        owners = np.concatenate([np.repeat(flat.key_seg, per_key), flat.seg[gap]])
        every = np.concatenate([inside, across])
        span = int(every.max()) + 1 if len(every) else 1
        unique = _unique(owners * span + every)
        owner = unique // span
        # looked up only now: the candidates' words have just given their trigrams and letters ids
        known = (self.shapes.trigram_id(t) for t in self.query_trigrams)
        query = np.array(sorted({i for i in known if i is not None}), np.int64)
        shared = np.bincount(owner, np.isin(unique % span, query), flat.n)
        union = len(self.query_trigrams) + np.bincount(owner, minlength=flat.n) - shared
        return np.where(union > 0, shared / np.maximum(union, 1), 0.0)


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort: quicker than numpy's hashing for these sizes)."""
    ordered = np.sort(values)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered


def _code(titles: TitleTerms, term: str) -> int:
    code = titles.code_of(term)
    return -1 if code is None else code
