"""BM25 lexical index over product text, backed by tantivy.

Text is analysed once, the same way at index and query time (`build_analyzer`): numbers keep their
fractions and decimals ("1/2", "1.9"), letters and digits are split ("30x80" -> 30 x 80), then
lowercase, ASCII folding, English stop words and Porter2 stemming. Queries are never parsed by
tantivy's query language: each query word is analysed and becomes term queries over every field
(OR semantics, BM25 ranking), so quotes, colons or "AND" in user text cannot break a search.

Typo tolerance: a query term of at least `fuzzy_min_length` characters, without digits, that is
rare in the index (`fuzzy_max_doc_freq`) also matches terms of the fuzzy fields at edit distance 1
(transpositions count 1). The neighbours come from the index's own vocabulary and are scored as
ordinary BM25 terms scaled by `fuzzy_boost`, so an exact match outranks the same match with a typo.

A Chinese catalog's index (`LexicalAnalysis("zh", words)`, saved beside it as `analysis.json`)
reads text through `shelfwise.language.chinese.analyze` first: folded (full-width, traditional),
segmented by jieba with the catalog's own words, plus character bigrams; Latin words and model
numbers stay whole ("wh-1000xm5") and then get the English filters (lowercase, stop words, stems),
so the Latin half of a mixed catalog still matches "buds" to "bud". An English index is unchanged.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import tantivy

from shelfwise.config import LexicalConfig
from shelfwise.disk_full import DiskFullError, is_disk_full
from shelfwise.index.lexical_plan import FIELDS, FUZZY_FIELDS, QueryReader, TermClause
from shelfwise.language import chinese
from shelfwise.language.detect import detect_language
from shelfwise.records import Product

ID_FIELD = "product_id"
EXPLAINED_CACHE = 10_000  # products whose analysed fields explanations keep
ANALYZER_NAME = "shelfwise_en"
ZH_ANALYZER_NAME = "shelfwise_zh"
ANALYSIS_FILE = "analysis.json"
"""in a non-English index's folder: its LexicalAnalysis (an English index has none)"""
ZH_MAX_TOKEN_BYTES = 64
TOKEN_PATTERN = r"\d+(?:[./]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*"
MAX_TOKEN_LENGTH = 40
WRITER_HEAP_BYTES = 64_000_000

_FRACTIONS = {"¼": "1/4", "½": "1/2", "¾": "3/4", "⅓": "1/3", "⅔": "2/3", "⅛": "1/8",
              "⅜": "3/8", "⅝": "5/8", "⅞": "7/8"}  # fmt: skip
_FRACTION_RE = re.compile("[" + "".join(_FRACTIONS) + "]")
_EDGE_PUNCTUATION_RE = re.compile(r"^[\W_]+|[\W_]+$")
_DIGIT_RE = re.compile(r"\d")


@dataclass(frozen=True)
class LexicalHit:
    product_id: str
    score: float


@dataclass(frozen=True)
class LexicalAnalysis:
    """How an index reads text: `en` (the English analyzer) or `zh` (Chinese segmentation, with
    `words` added to jieba's dictionary: the catalog's brands and frequent terms)."""

    language: str = "en"
    words: tuple[str, ...] = ()

    def save(self, folder: Path) -> None:
        if self.language != "en":
            payload = {"language": self.language, "words": list(self.words)}
            (folder / ANALYSIS_FILE).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalAnalysis:
        path = folder / ANALYSIS_FILE
        if not path.exists():
            return cls()
        payload = json.loads(path.read_text(encoding="utf-8"))
        return cls(str(payload["language"]), tuple(str(w) for w in payload.get("words", ())))


ENGLISH = LexicalAnalysis()


def catalog_analysis(language: str | None, products: Sequence[Product]) -> LexicalAnalysis:
    """The analysis a catalog's index uses: Chinese, with the catalog's brands and frequent terms
    as dictionary words, for a zh catalog (`language` None: detected from the titles); English
    for every other language."""
    if language is None:
        language = detect_language(p.title for p in products)
    if language != "zh":
        return ENGLISH
    words = chinese.catalog_words((p.title for p in products), (p.brand for p in products))
    return LexicalAnalysis("zh", tuple(words))


def build_analyzer() -> tantivy.TextAnalyzer:
    """The analyzer every text field uses, at index and at query time."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(TOKEN_PATTERN))
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_LENGTH))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stopword("english"))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def build_chinese_analyzer() -> tantivy.TextAnalyzer:
    """The tantivy side of Chinese analysis: the text arrives as `chinese.analyze`'s tokens joined
    by spaces; Latin tokens get the English analyzer's filters."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.remove_long(ZH_MAX_TOKEN_BYTES))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stopword("english"))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def normalize_text(text: str) -> str:
    """Spell out vulgar fractions ("1½" -> "1 1/2") so they tokenize like typed ones."""
    return _FRACTION_RE.sub(lambda m: " " + _FRACTIONS[m.group()] + " ", text)


def query_words(query: str) -> list[str]:
    """The words of a query as typed: lowercased, split on spaces, edge punctuation dropped."""
    words: list[str] = []
    for raw in normalize_text(query).lower().split():
        word = _EDGE_PUNCTUATION_RE.sub("", raw)
        if word and word not in words:
            words.append(word)
    return words


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        i, j = diffs[0], diffs[-1]
        return len(diffs) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _deletions(term: str) -> set[str]:
    return {term[:i] + term[i + 1 :] for i in range(len(term))} | {term}


class FuzzyVocabulary:
    """Terms of the fuzzy fields, with a deletion index for edit-distance-1 lookups."""

    def __init__(self, min_length: int) -> None:
        self._min_length = min_length
        self._terms: set[str] = set()
        self._by_deletion: dict[str, list[str]] = {}

    def add(self, terms: Iterable[str]) -> None:
        for term in terms:
            if term in self._terms or len(term) < self._min_length - 1 or _DIGIT_RE.search(term):
                continue
            self._terms.add(term)
            for key in _deletions(term):
                self._by_deletion.setdefault(key, []).append(term)

    def neighbours(self, token: str) -> set[str]:
        """Known terms at edit distance exactly 1 from token."""
        found: set[str] = set()
        for key in _deletions(token):
            for term in self._by_deletion.get(key, ()):
                if term != token and within_one_edit(term, token):
                    found.add(term)
        return found


class LexicalIndex:
    """Product text in a tantivy index: BM25 over boosted fields, with typo tolerance."""

    def __init__(
        self, index: tantivy.Index, config: LexicalConfig, analysis: LexicalAnalysis = ENGLISH
    ) -> None:
        self._index = index
        self._schema = index.schema
        self._config = config
        self.analysis = analysis
        self._segmenter: chinese.ChineseSegmenter | None = None
        if analysis.language == "zh":
            self._segmenter = chinese.ChineseSegmenter(analysis.words)
            self._analyzer = build_chinese_analyzer()
            index.register_tokenizer(ZH_ANALYZER_NAME, self._analyzer)
        else:
            self._analyzer = build_analyzer()
            index.register_tokenizer(ANALYZER_NAME, self._analyzer)
        self._lock = threading.RLock()
        self._writer: tantivy.IndexWriter | None = None
        self._vocabulary: FuzzyVocabulary | None = None
        self._explained: OrderedDict[str, tuple[tuple[str, ...], dict[str, frozenset[str]]]] = OrderedDict()
        self._boosts = {
            "title": config.title_boost,
            "brand": config.brand_boost,
            "category": config.category_boost,
            "description": config.description_boost,
            "attributes": config.attributes_boost,
        }

    @classmethod
    def create(
        cls, path: Path | None, config: LexicalConfig, analysis: LexicalAnalysis = ENGLISH
    ) -> LexicalIndex:
        """A new, empty index in folder `path` (created if needed), or in RAM when path is None."""
        schema = _schema(ZH_ANALYZER_NAME if analysis.language == "zh" else ANALYZER_NAME)
        if path is None:
            return cls(tantivy.Index(schema), config, analysis)
        path.mkdir(parents=True, exist_ok=True)
        if tantivy.Index.exists(str(path)):
            raise FileExistsError(f"a lexical index already exists in {path}")
        index = tantivy.Index(schema, path=str(path), reuse=False)
        analysis.save(path)
        return cls(index, config, analysis)

    @classmethod
    def for_catalog(cls, products: Sequence[Product], config: LexicalConfig) -> LexicalIndex:
        """An index in RAM over `products`, analysed for their language (training jobs)."""
        index = cls.create(None, config, catalog_analysis(None, products))
        index.upsert(products)
        return index

    @classmethod
    def open(cls, path: Path, config: LexicalConfig) -> LexicalIndex:
        if not path.is_dir() or not tantivy.Index.exists(str(path)):
            raise FileNotFoundError(f"no lexical index in {path}")
        return cls(tantivy.Index.open(str(path)), config, LexicalAnalysis.load(path))

    def __len__(self) -> int:
        return int(self._index.searcher().num_docs)

    def analyze(self, text: str) -> list[str]:
        """Tokens of text as the index sees them."""
        return list(self._analyzer.analyze(self._prepare(text)))

    def _prepare(self, text: str) -> str:
        """The text handed to tantivy's analyzer (Chinese: the pre-analysed tokens)."""
        if self._segmenter is None:
            return normalize_text(text)
        return " ".join(chinese.analyze(normalize_text(text), self._segmenter))

    # -- writes ---------------------------------------------------------------------------

    def upsert(self, products: Sequence[Product]) -> None:
        """Add or replace products by id; one commit, so searchers see the whole batch at once."""
        latest = {product.product_id: product for product in products}
        if not latest:
            return
        with self._lock:
            writer = self._get_writer()
            replace = len(self) > 0
            for product in latest.values():
                if replace:
                    writer.delete_documents_by_term(ID_FIELD, product.product_id)
                writer.add_document(_document(product, self._prepare))
            self._commit()
            if self._vocabulary is not None:
                for product in latest.values():
                    self._vocabulary.add(self.analyze(product.title))
                    self._vocabulary.add(self.analyze(product.brand))

    def delete(self, product_ids: Sequence[str]) -> None:
        if not product_ids:
            return
        with self._lock:
            writer = self._get_writer()
            for product_id in product_ids:
                writer.delete_documents_by_term(ID_FIELD, product_id)
            self._commit()

    def acquire_writer(self) -> None:
        """Take the folder's write lock now (ValueError 'LockBusy' if another writer has it)."""
        with self._lock:
            self._get_writer()

    def close(self) -> None:
        """Release the writer (and its lock on the folder) after merges finish."""
        with self._lock:
            if self._writer is not None:
                self._writer.wait_merging_threads()
                self._writer = None

    def _get_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self._index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
        return self._writer

    def _commit(self) -> None:
        assert self._writer is not None
        try:
            self._writer.commit()
        except BaseException as error:
            self._writer.rollback()
            if is_disk_full(error):  # tantivy's ValueError, as the OSError it is underneath
                raise DiskFullError(f"lexical index commit: {error}") from error
            raise
        self._index.reload()

    # -- reads ----------------------------------------------------------------------------

    def search(self, query: str, k: int, alternatives: Sequence[tuple[str, float]] = ()) -> list[LexicalHit]:
        """The k best products for query, best first; [] when the query has no searchable term.
        `alternatives` are (text, weight) pairs, e.g. synonyms, whose terms also match at that
        weight."""
        if k <= 0:
            return []
        searcher = self._index.searcher()
        tantivy_query = self._build_query(query, searcher, alternatives)
        if tantivy_query is None:
            return []
        return _hits(searcher, tantivy_query, k)

    def search_clauses(self, clauses: Sequence[TermClause], k: int) -> list[LexicalHit]:
        """The k best products for clauses planned elsewhere (a sharded index's coordinator)."""
        if k <= 0 or not clauses:
            return []
        query = tantivy.Query.boolean_query([self._term_clause(c.field, c.token, c.boost) for c in clauses])
        return _hits(self._index.searcher(), query, k)

    def searcher(self) -> tantivy.Searcher:
        return self._index.searcher()

    def add_documents(self, documents: Iterable[tantivy.Document]) -> None:
        """Documents made by the caller, in one commit: a shard's padding (`lexical_shard`),
        which has no product id and is never a hit."""
        with self._lock:
            writer = self._get_writer()
            for document in documents:
                writer.add_document(document)
            self._commit()

    def matched_terms(self, query: str, product: Product) -> dict[str, list[str]]:
        """For each field of product that matches, the query words (as typed) found in it.

        A word matches a field when one of its tokens equals a token of the field, or, where
        typo tolerance applies to that token, is one edit away from a token of a fuzzy field.
        Fields without a match are left out.
        """
        return self.matched_terms_many(query, [product])[0]

    def matched_terms_many(self, query: str, products: Sequence[Product]) -> list[dict[str, list[str]]]:
        """`matched_terms` of each product, reading the query once (a page of explanations)."""
        searcher = self._index.searcher()
        words = []
        for word in query_words(query):
            tokens = self.analyze(word)
            words.append((word, tokens, {t for t in tokens if self._fuzzy_applies(t, searcher)}))
        out = []
        for product in products:
            field_tokens = self._field_tokens(product)
            matched: dict[str, list[str]] = {}
            for word, tokens, fuzzy in words:
                for field in FIELDS:
                    present = field_tokens[field]
                    hit = any(token in present for token in tokens) or (
                        field in FUZZY_FIELDS and any(within_one_edit(t, p) for t in fuzzy for p in present)
                    )
                    if hit:
                        matched.setdefault(field, []).append(word)
            out.append(matched)
        return out

    def _field_tokens(self, product: Product) -> dict[str, frozenset[str]]:
        """The analysed tokens of each field, kept for the most recently explained products
        (the same products come back query after query)."""
        texts = _field_texts(product)
        key = tuple(text for _, text in texts)
        with self._lock:
            cached = self._explained.get(product.product_id)
            if cached is not None and cached[0] == key:
                self._explained.move_to_end(product.product_id)
                return cached[1]
        tokens = {field: frozenset(self.analyze(text)) for field, text in texts}
        with self._lock:
            self._explained[product.product_id] = (key, tokens)
            if len(self._explained) > EXPLAINED_CACHE:
                self._explained.popitem(last=False)
        return tokens

    def reader(self, searcher: tantivy.Searcher | None = None) -> QueryReader:
        """How this index reads a query into clauses (`lexical_plan`), its fuzzy vocabulary
        that of `searcher` (default: the current one)."""
        found = self._index.searcher() if searcher is None else searcher

        def neighbours(token: str) -> set[str]:
            return self._get_vocabulary(found).neighbours(token)

        return QueryReader(self.analyze, self._boosts, self._config, self._segmenter is not None, neighbours)

    def _build_query(
        self, query: str, searcher: tantivy.Searcher, alternatives: Sequence[tuple[str, float]] = ()
    ) -> tantivy.Query | None:
        clauses = [
            self._term_clause(c.field, c.token, c.boost)
            for c in self.reader(searcher).clauses(query, alternatives, searcher.doc_freq)
        ]
        if not clauses:
            return None
        return tantivy.Query.boolean_query(clauses)

    def _term_clause(self, field: str, token: str, boost: float) -> tuple[tantivy.Occur, tantivy.Query]:
        query = tantivy.Query.term_query(self._schema, field, token)
        if boost != 1.0:
            query = tantivy.Query.boost_query(query, boost)
        return tantivy.Occur.Should, query

    def _fuzzy_applies(self, token: str, searcher: tantivy.Searcher) -> bool:
        return self.reader(searcher).fuzzy_applies(token, searcher.doc_freq)

    def _get_vocabulary(self, searcher: tantivy.Searcher) -> FuzzyVocabulary:
        with self._lock:
            if self._vocabulary is None:
                vocabulary = FuzzyVocabulary(self._config.fuzzy_min_length)
                for field in FUZZY_FIELDS:
                    vocabulary.add(term for term, _ in searcher.terms_with_prefix(field, ""))
                self._vocabulary = vocabulary
            return self._vocabulary


def _hits(searcher: tantivy.Searcher, query: tantivy.Query, k: int) -> list[LexicalHit]:
    found = []
    for score, address in searcher.search(query, k, count=False).hits:
        product_id = searcher.doc(address).get_first(ID_FIELD)
        if product_id is not None:
            found.append(LexicalHit(product_id=str(product_id), score=float(score)))
    return found


def _schema(analyzer_name: str) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(ID_FIELD, stored=True, tokenizer_name="raw", index_option="basic")
    for field in FIELDS:
        builder.add_text_field(field, tokenizer_name=analyzer_name, index_option="position")
    return builder.build()


def _field_texts(product: Product) -> list[tuple[str, str]]:
    return [
        ("title", product.title),
        ("brand", product.brand),
        ("category", product.category_path),
        ("description", product.description),
        ("attributes", " ; ".join(product.attributes.values())),
    ]


def _document(product: Product, prepare: Callable[[str], str]) -> tantivy.Document:
    document = tantivy.Document()
    document.add_text(ID_FIELD, product.product_id)
    for field, text in _field_texts(product):
        if text:
            document.add_text(field, prepare(text))
    return document
