"""One shard of a lexical index, scored with the whole index's BM25 statistics.

BM25 reads three statistics of the index: the number of documents N, each term's document
frequency n (in its field) and each field's average length (tokens / N). A shard holding a part
of the catalog has its own, so its scores differ from one index's. Two steps make them equal:

- **Padding** (at build, once every shard's counts are known): each shard gets empty documents
  up to the whole catalog's N, carrying a reserved token (`PAD_WORD`) as often as the other
  shards' fields hold tokens. Its N and every field's average length are then the whole
  index's; the padding matches no query (the coordinator never plans the reserved token).
- **Global frequencies** (per query, a distributed-frequency phase): the coordinator asks every
  shard for the frequencies of the query's terms (`doc_freqs`) and sums them; a shard scores each
  clause with its boost times idf(global n) / idf(own n), which turns its idf into the global
  one (BM25's idf is a factor of the term's score).

What remains is float32 rounding (tantivy scores in f32): a shard's score equals one index's to
about 1e-7 relative. Deleted documents would count in tantivy's statistics until merged away:
shards are built whole from one catalog snapshot and never updated in place."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import tantivy

from shelfwise.config import LexicalConfig
from shelfwise.index.lexical import ENGLISH, LexicalAnalysis, LexicalIndex, _field_texts
from shelfwise.index.lexical_plan import FIELDS, FUZZY_FIELDS, TermClause
from shelfwise.index.shards import Scored
from shelfwise.records import Product

PAD_WORD = "shelfwisepaddingtoken"
"""the reserved word of the padding documents (one token in either analysis)"""
PAD_TOKENS_PER_DOCUMENT = 2_000
"""most padding tokens in one field of one padding document"""
BUILD_BLOCK = 20_000
"""products indexed (and held) at a time while a shard is built"""


@dataclass(frozen=True)
class LexicalStats:
    """What BM25 reads of an index besides frequencies: its documents and each field's tokens."""

    docs: int
    tokens: Mapping[str, int] = field(default_factory=dict)

    def plus(self, other: LexicalStats) -> LexicalStats:
        names = set(self.tokens) | set(other.tokens)
        summed = {name: self.tokens.get(name, 0) + other.tokens.get(name, 0) for name in sorted(names)}
        return LexicalStats(self.docs + other.docs, summed)


def total_stats(stats: Iterable[LexicalStats]) -> LexicalStats:
    out = LexicalStats(0, {})
    for one in stats:
        out = out.plus(one)
    return out


def bm25_idf(doc_freq: int, docs: int) -> float:
    """tantivy's idf, in float32 as it computes it: ln(1 + (N - n + 0.5) / (n + 0.5))."""
    x = (np.float32(docs - doc_freq) + np.float32(0.5)) / (np.float32(doc_freq) + np.float32(0.5))
    return float(np.log1p(np.float32(x), dtype=np.float32))


class LexicalShard:
    """A tantivy index (in RAM) over one shard's products, padded to the whole index's statistics."""

    def __init__(self, index: LexicalIndex, ordinals: dict[str, int], stats: LexicalStats) -> None:
        self.index = index
        self.ordinals = ordinals
        self.stats = stats
        """this shard's own documents and tokens (padding excluded)"""
        self.padded_to: LexicalStats | None = None
        self._pad_token = _one_token(index, PAD_WORD)

    @classmethod
    def build(
        cls,
        products: Iterable[Product],
        ordinals: Sequence[int],
        config: LexicalConfig,
        analysis: LexicalAnalysis = ENGLISH,
    ) -> LexicalShard:
        """The shard of `products` (unique ids; read in blocks of `BUILD_BLOCK`, so a generator
        is never held whole), `ordinals` their positions in the whole catalog, in order."""
        index = LexicalIndex.create(None, config, analysis)
        tokens = dict.fromkeys(FIELDS, 0)
        ids: dict[str, int] = {}
        remaining = iter(products)
        while block := list(itertools.islice(remaining, BUILD_BLOCK)):
            index.upsert(block)
            for product in block:
                ids[product.product_id] = len(ids)
                for name, text in _field_texts(product):
                    if text:
                        tokens[name] += len(index.analyze(text))
        if len(ids) != len(ordinals) or len(index) != len(ids):
            raise ValueError(f"{len(ordinals)} ordinals for {len(ids)} products of {len(index)} distinct ids")
        return cls(index, {pid: int(ordinals[at]) for pid, at in ids.items()}, LexicalStats(len(ids), tokens))

    def pad(self, total: LexicalStats) -> None:
        """Add padding so that this shard's N and field lengths are `total`'s (every shard's
        stats summed); once, before the first search."""
        if self.padded_to is not None:
            raise RuntimeError("this shard is padded already")
        docs = total.docs - self.stats.docs
        extra = {name: total.tokens.get(name, 0) - self.stats.tokens.get(name, 0) for name in FIELDS}
        if docs < 0 or min(extra.values()) < 0 or (docs == 0 and max(extra.values()) > 0):
            raise ValueError(f"total {total} is smaller than this shard's own {self.stats}")
        needed = max(
            (count + PAD_TOKENS_PER_DOCUMENT - 1) // PAD_TOKENS_PER_DOCUMENT for count in extra.values()
        )
        if needed > docs:
            raise ValueError(f"padding needs {needed} documents, more than the {docs} missing")
        self.index.add_documents(_padding(docs, extra))
        self.index.close()  # read-only from now on: merges finished, the writer released
        self.padded_to = total

    def doc_freqs(self, pairs: Sequence[tuple[str, str]]) -> list[int]:
        """The shard's document frequency of each (field, term)."""
        searcher = self.index.searcher()
        return [0 if term == self._pad_token else int(searcher.doc_freq(f, term)) for f, term in pairs]

    def fuzzy_terms(self) -> list[str]:
        """The terms of the fuzzy fields (the typo vocabulary's part from this shard)."""
        searcher = self.index.searcher()
        terms = {term for name in FUZZY_FIELDS for term, _ in searcher.terms_with_prefix(name, "")}
        terms.discard(self._pad_token)
        return sorted(terms)

    def search(self, clauses: Sequence[TermClause], doc_freqs: Sequence[int], k: int) -> list[Scored]:
        """The shard's k best products for clauses planned by the coordinator, `doc_freqs` their
        global frequencies: each clause's idf turned into the global one by its boost."""
        if self.padded_to is None:
            raise RuntimeError("a shard searches only once padded to the whole index's statistics")
        docs = self.padded_to.docs
        own = self.doc_freqs([(c.field, c.token) for c in clauses])
        scaled = [
            TermClause(c.field, c.token, c.boost * bm25_idf(n, docs) / bm25_idf(mine, docs))
            for c, n, mine in zip(clauses, doc_freqs, own, strict=True)
            if mine > 0 and c.token != self._pad_token
        ]
        hits = self.index.search_clauses(scaled, k)
        return [Scored(h.product_id, h.score, self.ordinals[h.product_id]) for h in hits]


def _padding(docs: int, extra: Mapping[str, int]) -> Iterator[tantivy.Document]:
    """`docs` documents holding `extra[field]` padding tokens in each field, at most
    `PAD_TOKENS_PER_DOCUMENT` per document and field (the rest of them empty)."""
    per = PAD_TOKENS_PER_DOCUMENT
    for at in range(docs):
        document = tantivy.Document()
        for name, count in extra.items():
            take = min(max(count - at * per, 0), per)
            if take:
                document.add_text(name, " ".join([PAD_WORD] * take))
        yield document


def _one_token(index: LexicalIndex, word: str) -> str:
    tokens = index.analyze(word)
    if len(tokens) != 1:
        raise ValueError(f"the padding word {word!r} reads as {tokens}, not one token")
    return tokens[0]
