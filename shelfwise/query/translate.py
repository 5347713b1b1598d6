"""Chinese queries over an English catalog: a word-by-word translation chosen by the catalog.

The query is folded (full-width to half-width, traditional to simplified: `shelfwise.language.
chinese.fold`) and cut into runs: Latin letters, digits and their punctuation (model numbers,
brands, sizes such as "18x24" or "1-5/8") are kept whole; Han runs are segmented (jieba, through
`shelfwise.language.chinese`), and a word the dictionary does not know is split into the longest
words it does know and read as the phrase of their senses the catalog holds
(`shelfwise.query.compounds`). Function words (的, 我想买,
一个...) are dropped. Each word's English senses come from CC-CEDICT (`shelfwise.query.cedict`);
the one searched is the one the catalog itself uses: the share of the sense's words that occur
in the catalog's titles, how many titles hold them, the dictionary's own order as a tie break,
and, when an encoder is given, the cosine of the sense to the rest of the query (the other
words' senses), so that 瓦 in "25瓦 灯泡" reads "watt" and not "roof tile". A word with no sense
at all is passed through as it is. Senses that score nearly as well as the chosen one and that
titles hold are kept as lexical OR alternatives (`Translation.alternatives`). Nothing here raises
on any text: odd input gives an empty or partial translation.

English over a Chinese catalog goes the other way through the senses' reverse index
(`chinese_translation`): the longest run of up to three words (or its singular) that is exactly a
sense becomes the headword, in simplified characters, that the catalog's titles hold most often.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from shelfwise.language.chinese import fold, has_han
from shelfwise.query.cedict import Dictionary
from shelfwise.query.compounds import AGENT_SUFFIXES, CompoundReader

Encode = Callable[[Sequence[str]], np.ndarray]
"""texts -> unit vectors, one row each"""
Segment = Callable[[str], list[str]]
Together = Callable[[frozenset[str]], int]
"""analysed terms -> how many titles hold them all"""

_FUNCTION_TEXT = (
    "的 了 吗 呢 吧 啊 呀 哦 我 你 他 她 它 我们 想 要 想要 买 想买 我想 我想买 我要 我要买 找 请 请问 "
    "给 给我 帮 帮我 帮我找 有 有没有 有吗 没有 哪 哪个 哪里 什么 怎么 推荐 求 求推荐 需要 适合 "
    "用 用的 带 带有 和 与 及 或 或者 等 一 个 一个 一台 一把 一套 一款 一只 一件 一些 一下 "
    "台 把 款 只 件 些 这 那 这个 那个 这种 那种 最好 好 好的 便宜 便宜的 买个 买一个"
)
FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())
"""shopper's phrasing that names no product (prices and negation are query understanding's)"""
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN_TOKEN = re.compile(r"[0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a][^\s\u3400-\u9fff]*")
CATALOG_WEIGHT = 1.0
FREQUENCY_WEIGHT = 0.5
VERB_PENALTY = 0.3
ORDER_WEIGHT = 0.15
ENCODER_WEIGHT = 0.5
SECOND_SENSE_SHARE = 0.9
ALTERNATIVE_WEIGHT = 1.0
CLOSE_SHARE = 0.8
MAX_CLOSE = 2
COHERENCE_WEIGHT = 1.0
MAX_COHERENT_SENSES = 4


class CatalogWords(Protocol):
    """What the translator asks of the catalog: its analyser and how many titles hold a term."""

    def analyze(self, text: str) -> frozenset[str]: ...

    def document_frequency(self, term: str) -> int: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class TranslatedWord:
    source: str
    target: str | None
    """the English searched (None: dropped as a function word); the source itself when kept"""
    kind: str
    """'dictionary', 'latin', 'unknown', 'function' or 'unmatched' (no sense the catalog uses)"""
    alternatives: tuple[str, ...] = ()
    """the other senses the catalog knows, best first"""
    split: bool = False
    """a piece of a longer word the dictionary lacks (石膏 of 石膏板)"""
    close: tuple[str, ...] = ()
    """other senses the catalog holds that scored nearly as well: searched beside the chosen
    one at `ALTERNATIVE_WEIGHT` (the catalog could not decide)"""


@dataclass(frozen=True)
class Translation:
    query: str
    text: str
    """what to search: the chosen senses and the kept Latin tokens, in the query's order"""
    words: tuple[TranslatedWord, ...]
    alternative_weight: float = 0.0

    @property
    def translated(self) -> bool:
        """Whether any dictionary sense went into the text."""
        return any(w.kind == "dictionary" and w.target for w in self.words)

    @property
    def alternatives(self) -> tuple[tuple[str, float], ...]:
        """(sense, weight) for lexical search beside the text: the close senses of each word."""
        if self.alternative_weight <= 0:
            return ()
        return tuple((sense, self.alternative_weight) for w in self.words for sense in w.close)

    def pairs(self) -> list[str]:
        """'source -> target' for each translated word, as the answer's interpretation shows it."""
        return [f"{w.source} -> {w.target}" for w in self.words if w.kind == "dictionary" and w.target]


def _default_segment(text: str) -> list[str]:
    from shelfwise.language.chinese import default_segmenter

    return default_segmenter().cut(text)


@dataclass(frozen=True)
class Translator:
    """Translates Chinese queries into the words of one English catalog."""

    dictionary: Dictionary
    catalog: CatalogWords
    encode: Encode | None = None
    segment: Segment = _default_segment
    together: Together | None = None
    """how many titles hold all of some terms: a sense that shares titles with the other words'
    senses is the one this catalog means (托梁 吊架: "joist hanger", not "joist suspend")"""
    senses_per_word: int = 1
    drop_unmatched: bool = True
    """leave out a word whose best sense has a word no title holds (noise to both retrievers)"""
    alternative_weight: float = ALTERNATIVE_WEIGHT
    """the weight of a word's close senses in lexical search beside the chosen one (0: none)"""
    compounds: bool = True
    """read a word the dictionary lacks as a phrase of its pieces' senses that titles hold
    (`shelfwise.query.compounds`); off, its pieces are translated one by one"""

    def translate(self, query: str) -> Translation:
        try:
            words = self._words(_fold(query))
        except Exception:  # a segmenter or encoder failure leaves the query as it was
            return Translation(query, query, ())
        text = " ".join(w.target for w in words if w.target)
        return Translation(query, text, tuple(words), self.alternative_weight)

    def _words(self, query: str) -> list[TranslatedWord]:
        pieces, read = self._compounds(_pieces(query, self.segment, self.dictionary))
        candidates = [self._senses(p) if kind == "han" or kind == "split" else
                      [read[i].target or ""] if kind == "compound" else []
                      for i, (kind, p) in enumerate(pieces)]  # fmt: skip
        candidates = [[c for c in senses if c not in self.dictionary.verbs.get(p, ())] or senses
                      for (_, p), senses in zip(pieces, candidates, strict=True)]  # fmt: skip
        context = self._context_vectors(candidates)
        out: list[TranslatedWord] = []
        for index, ((kind, piece), senses) in enumerate(zip(pieces, candidates, strict=True)):
            if kind == "latin":  # "split": a piece of a word the dictionary lacks
                out.append(TranslatedWord(piece, piece, "latin"))
            elif kind == "compound":
                out.append(read[index])
            elif piece in FUNCTION_WORDS:
                out.append(TranslatedWord(piece, None, "function"))
            elif not senses:
                out.append(TranslatedWord(piece, piece, "unknown"))
            else:
                word = self._choose(piece, senses, context, index, candidates)
                out.append(replace(word, split=True) if kind == "split" else word)
        return out

    def _compounds(
        self, pieces: list[tuple[str, str]]
    ) -> tuple[list[tuple[str, str]], dict[int, TranslatedWord]]:
        """Split words read whole where the catalog holds a phrase of their pieces' senses:
        ('compound', word) and its reading by position; the other pieces stay as they were."""
        if not self.compounds:
            return _ungroup(pieces), {}
        reader = CompoundReader(self.dictionary.lookup, self.dictionary.verbs, self.catalog.analyze,
                                self.catalog.document_frequency, self.together)  # fmt: skip
        out: list[tuple[str, str]] = []
        read: dict[int, TranslatedWord] = {}
        for kind, piece in pieces:
            if kind != "split-group":
                out.append((kind, piece))
                continue
            word, parts = piece.split("\t")[0], piece.split("\t")[1:]
            readable = all(p in self.dictionary and p not in FUNCTION_WORDS for p in parts)
            reading = reader.read(word, parts) if readable else None
            if reading is None:
                out += [("split", p) for p in parts]
                continue
            close = reading.alternatives[:MAX_CLOSE]  # whole phrases, searched beside the pieces
            for source, target in reading.parts or ((word, reading.text),):
                read[len(out)] = TranslatedWord(source, target, "dictionary", (), True, close=close)
                out.append(("compound", source))
                close = ()
        return out, read

    def _senses(self, word: str) -> list[str]:
        return [] if word in FUNCTION_WORDS else list(self.dictionary.lookup(word))

    def _choose(
        self,
        word: str,
        senses: list[str],
        context: _Context | None,
        index: int,
        candidates: list[list[str]],
    ) -> TranslatedWord:
        scored = []
        verbs = self.dictionary.verbs.get(word, frozenset())
        for rank, sense in enumerate(senses):
            score = self._catalog_score(sense) + ORDER_WEIGHT / (1 + rank)
            score -= VERB_PENALTY if sense in verbs else 0.0
            if context is not None:
                score += ENCODER_WEIGHT * context.similarity(index, sense)
            if self.together is not None and rank < MAX_COHERENT_SENSES:
                score += COHERENCE_WEIGHT * self._coherence(sense, candidates, index)
            scored.append((score, rank, sense))
        scored.sort(key=lambda s: (-s[0], s[1]))
        best = scored[0][0]
        chosen = [scored[0][2]]
        for score, _, sense in scored[1 : self.senses_per_word]:
            if score >= SECOND_SENSE_SHARE * best and self._catalog_score(sense) >= CATALOG_WEIGHT:
                chosen.append(sense)
        rest = tuple(s for _, _, s in scored if s not in chosen)
        if self.drop_unmatched and self._present(chosen[0]) < 1.0:
            return TranslatedWord(word, None, "unmatched", tuple(chosen) + rest)
        close = tuple(sense for score, _, sense in scored if sense not in chosen and best > 0
                      and score >= CLOSE_SHARE * best and self._present(sense) >= 1.0)  # fmt: skip
        close = close[:MAX_CLOSE]
        return TranslatedWord(word, " ".join(chosen), "dictionary", rest, close=close)

    def _present(self, sense: str) -> float:
        """Share of the sense's analysed words that some title holds (0 for a sense of none)."""
        terms = self.catalog.analyze(sense)
        return sum(1 for t in terms if self.catalog.document_frequency(t) > 0) / len(terms) if terms else 0.0

    def _coherence(self, sense: str, candidates: list[list[str]], index: int) -> float:
        """Mean over the query's other words of how many titles hold this sense with one of the
        word's first senses (log scale, 1 = every title)."""
        assert self.together is not None
        mine = self.catalog.analyze(sense)
        others = [c for i, c in enumerate(candidates) if i != index and c]
        if not mine or not others:
            return 0.0
        scale = math.log1p(max(len(self.catalog), 1))
        total = 0.0
        for senses in others:
            counts = [self.together(mine | self.catalog.analyze(t)) for t in senses[:MAX_COHERENT_SENSES]]
            total += math.log1p(max(counts, default=0)) / scale
        return total / len(others)

    def _catalog_score(self, sense: str) -> float:
        """Share of the sense's words in the catalog's titles, plus a little for how many titles."""
        terms = self.catalog.analyze(sense)
        if not terms:
            return 0.0
        titles = max(len(self.catalog), 1)
        frequencies = [self.catalog.document_frequency(t) for t in terms]
        present = sum(1 for f in frequencies if f > 0) / len(terms)
        common = sum(math.log1p(f) for f in frequencies) / (len(terms) * math.log1p(titles))
        return CATALOG_WEIGHT * present + FREQUENCY_WEIGHT * common

    def _context_vectors(self, candidates: list[list[str]]) -> _Context | None:
        ambiguous = [i for i, senses in enumerate(candidates) if len(senses) > 1]
        if self.encode is None or not ambiguous or sum(1 for s in candidates if s) < 2:
            return None
        texts = sorted({s for senses in candidates for s in senses})
        vectors = np.asarray(self.encode(texts), dtype=np.float32)
        return _Context(dict(zip(texts, vectors, strict=True)), candidates)


@dataclass(frozen=True)
class _Context:
    """Sense vectors; a word's context is the mean of the other words' first senses."""

    vectors: dict[str, np.ndarray]
    candidates: list[list[str]]

    def similarity(self, index: int, sense: str) -> float:
        others = [self.vectors[s[0]] for i, s in enumerate(self.candidates) if i != index and s]
        if not others:
            return 0.0
        centre = np.mean(others, axis=0)
        norm = float(np.linalg.norm(centre)) * float(np.linalg.norm(self.vectors[sense]))
        return float(np.dot(centre, self.vectors[sense]) / norm) if norm > 0 else 0.0


def _fold(query: str) -> str:
    """Full-width letters and digits as half-width, traditional characters as simplified; Latin
    letters keep their case (brands and model numbers are shown as typed)."""
    text = unicodedata.normalize("NFKC", query)
    return _HAN.sub(lambda m: fold(m.group()), text)


def _pieces(query: str, segment: Segment, dictionary: Dictionary) -> list[tuple[str, str]]:
    """('latin', token), ('han', word), ('split', piece of a word the dictionary lacks) and
    ('split-group', "word\tpiece\tpiece...") in the query's order; an agent suffix the segmenter
    cut off a word the dictionary lacks (喷水 | 器) is put back on it."""
    out: list[tuple[str, str]] = []
    position = 0
    for match in _HAN.finditer(query):
        out += [("latin", t) for t in _latin_tokens(query[position : match.start()])]
        for word in segment(match.group()):
            word = word.strip()
            if not word:
                continue
            if word in AGENT_SUFFIXES and out and out[-1][0] == "split-group":
                head, pieces = out[-1][1].split("\t", 1)
                out[-1] = ("split-group", f"{head}{word}\t{pieces}\t{word}")
            elif word in dictionary or word in FUNCTION_WORDS or not _HAN.fullmatch(word):
                out.append(("han", word))
            else:
                parts = split_known(word, dictionary)
                grouped = ("split-group", "\t".join([word, *parts]))
                out.append(grouped if len(parts) > 1 else ("split", parts[0]))
        position = match.end()
    out += [("latin", t) for t in _latin_tokens(query[position:])]
    return out


def _ungroup(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The split groups of `_pieces` as their pieces, one by one."""
    out: list[tuple[str, str]] = []
    for kind, piece in pieces:
        out += [("split", p) for p in piece.split("\t")[1:]] if kind == "split-group" else [(kind, piece)]
    return out


def _latin_tokens(text: str) -> list[str]:
    return [t.rstrip(",.;:!?，。；：！？") or t for t in _LATIN_TOKEN.findall(text)]


def split_known(word: str, dictionary: Dictionary, extra: frozenset[str] = FUNCTION_WORDS) -> list[str]:
    """A word the dictionary lacks, as the longest words from the left that it (or `extra`) knows
    (石膏板 -> 石膏, 板); a run of characters nothing knows stays together."""
    out: list[str] = []
    unknown = ""
    start = 0
    longest = max(dictionary.longest, max((len(w) for w in extra), default=1))
    while start < len(word):
        end = min(len(word), start + longest)
        while end > start + 1 and word[start:end] not in dictionary and word[start:end] not in extra:
            end -= 1
        piece = word[start:end]
        if piece in dictionary or piece in extra:
            out += [unknown, piece] if unknown else [piece]
            unknown = ""
        else:
            unknown += piece
        start = end
    return out + [unknown] if unknown else out


MAX_ENGLISH_WORDS = 3
"""the longest English phrase looked up whole ("light bulb", "frying pan")"""


def english_to_chinese(query: str, dictionary: Dictionary, title_frequency: Callable[[str], int]) -> str:
    """An English query in a Chinese catalog's words (`chinese_translation`'s text)."""
    return chinese_translation(query, dictionary, title_frequency).text


def chinese_translation(
    query: str, dictionary: Dictionary, title_frequency: Callable[[str], int]
) -> Translation:
    """An English query in a Chinese catalog's words: the longest run of words (up to three) that
    is exactly a sense, in the singular when the plural is not, is replaced by the headword that
    the most titles hold (`title_frequency`); a word with none stays as it is."""
    words = re.findall(r"\S+", unicodedata.normalize("NFKC", query))
    out: list[TranslatedWord] = []
    start = 0
    while start < len(words):
        for end in range(min(len(words), start + MAX_ENGLISH_WORDS), start, -1):
            source = " ".join(words[start:end])
            head = _headword(source.strip(",.;:!?").lower(), dictionary, title_frequency)
            if head is not None:
                out.append(TranslatedWord(source, head, "dictionary"))
                start = end
                break
        else:
            kind = "han" if has_han(words[start]) else "latin"
            out.append(TranslatedWord(words[start], words[start], kind))
            start += 1
    return Translation(query, " ".join(w.target for w in out if w.target), tuple(out))


def _headword(phrase: str, dictionary: Dictionary, title_frequency: Callable[[str], int]) -> str | None:
    """The Han headword whose sense is `phrase` (or its singular) that the most titles hold."""
    if not phrase or not re.search(r"[a-z]", phrase):
        return None
    for form in dict.fromkeys([phrase, *_singulars(phrase)]):
        heads = dict.fromkeys(fold(h) for h in dictionary.headwords_for(form) if _HAN.fullmatch(h))
        scored = sorted(((title_frequency(h), -len(h), h) for h in heads), reverse=True)
        if scored and scored[0][0] > 0:
            return scored[0][2]  # in simplified characters, as Chinese analysis folds them
    return None


def _singulars(phrase: str) -> list[str]:
    """The phrase with its last word in the singular: headphones -> headphone, boxes -> box."""
    head, _, last = phrase.rpartition(" ")
    forms = []
    if last.endswith("ies") and len(last) > 4:
        forms.append(last[:-3] + "y")
    if last.endswith("es") and len(last) > 3:
        forms.append(last[:-2])
    if last.endswith("s") and not last.endswith("ss") and len(last) > 2:
        forms.append(last[:-1])
    return [f"{head} {f}".strip() for f in forms]


def catalog_counts(titles: Iterable[str]) -> Callable[[str], int]:
    """A title-frequency function over a list of titles (substring counts, for Chinese titles)."""
    kept = list(titles)
    return lambda word: sum(1 for t in kept if word in t)


__all__ = [
    "FUNCTION_WORDS",
    "CatalogWords",
    "TranslatedWord",
    "Translation",
    "Translator",
    "catalog_counts",
    "chinese_translation",
    "english_to_chinese",
    "has_han",
    "split_known",
]
