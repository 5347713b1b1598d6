"""Chinese text for search: folding, segmentation, character bigrams.

`fold` makes the forms a shopper may type read alike: NFKC (full-width letters, digits and
punctuation become half-width: "ＷＨ－１０００ＸＭ５" -> "WH-1000XM5"), traditional characters become
simplified (OpenCC t2s: "連衣裙" -> "连衣裙"), and letters are lowercased.

`segment` cuts folded text into words: runs of Han characters through jieba (rjieba, the jieba-rs
binding), with a catalog's own brands and frequent terms added to its dictionary
(`ChineseSegmenter(words)`); Latin words and model numbers are kept whole ("iphone", "15",
"wh-1000xm5", "100w"); other letters by word; emoji, symbols and punctuation are dropped.

`bigrams` gives the overlapping character pairs of each Han run: a query word that jieba cuts
differently in a title ("降噪耳机" vs "真无线蓝牙耳机 主动降噪") still shares its pairs with it.

`analyze` is what the lexical index stores and searches: the words, the bigrams not already among
them, and model numbers also without their hyphens ("wh1000xm5"). Any text is read, never raises.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

HAN_RANGES = (
    "\u3400-\u4dbf"  # extension A
    "\u4e00-\u9fff"  # unified ideographs
    "\uf900-\ufaff"  # compatibility ideographs
    "\U00020000-\U0002ebef"  # extensions B-F
)
HAN_RUN_RE = re.compile(f"[{HAN_RANGES}]+")
_LATIN = "0-9a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # with accented letters, not × or ÷
_PIECE_RE = re.compile(
    f"(?P<han>[{HAN_RANGES}]+)"
    f"|(?P<latin>[{_LATIN}]+(?:[-./+][{_LATIN}]+)*)"
    r"|(?P<other>[^\W\d_]+)"
)
_HAN_CHAR_RE = re.compile(f"[{HAN_RANGES}]")
STOP_WORDS = frozenset({"的", "了", "和", "与", "及", "之", "或", "等", "是", "在", "也", "很"})
"""function words left out of the index and of queries (single characters only)"""


@lru_cache(maxsize=1)
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def has_han(text: str) -> bool:
    """True when text has at least one Han character."""
    return _HAN_CHAR_RE.search(text) is not None


def fold(text: str) -> str:
    """NFKC (full-width -> half-width), traditional -> simplified, lowercase."""
    folded = unicodedata.normalize("NFKC", text)
    if has_han(folded):
        folded = _t2s().convert(folded)  # type: ignore[attr-defined]
    return folded.lower()


class ChineseSegmenter:
    """jieba (rjieba) with extra dictionary words, e.g. a catalog's brands and frequent terms.
    A segmenter with words owns its dictionary (about 25 MB, 0.2-0.5 s to load); one without
    shares rjieba's default instance, never changed. `cut` is safe from several threads."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        import rjieba

        folded_words = [w for w in dict.fromkeys(fold(word).strip() for word in words) if w]
        shared = rjieba._DEFAULT_JIEBA  # loaded when rjieba is imported; read-only here
        self._jieba = rjieba.Jieba() if any(not shared.has_word(w) for w in folded_words) else shared
        self._lock = threading.Lock()
        added: list[str] = []
        for folded in folded_words:
            if not self._jieba.has_word(folded):
                self._jieba.add_word(folded, None, None)
                added.append(folded)
        self.words: tuple[str, ...] = tuple(added)
        """the words added to jieba's own dictionary (folded)"""

    def cut(self, han_run: str) -> list[str]:
        """jieba's words of a run of Han characters."""
        with self._lock:
            return list(self._jieba.cut(han_run, True))

    def knows(self, word: str) -> bool:
        return bool(self._jieba.has_word(fold(word)))


@lru_cache(maxsize=1)
def default_segmenter() -> ChineseSegmenter:
    """A segmenter with jieba's dictionary only (loaded once, on first use)."""
    return ChineseSegmenter()


def segment(text: str, segmenter: ChineseSegmenter | None = None) -> list[str]:
    """The words of text, folded, in order (see the module's doc); stop words left out."""
    cutter = segmenter or default_segmenter()
    words: list[str] = []
    for match in _PIECE_RE.finditer(fold(text)):
        if match.lastgroup == "han":
            words.extend(w for w in cutter.cut(match.group()) if w not in STOP_WORDS and w.strip())
        else:
            words.append(match.group())
    return words


def bigrams(text: str) -> list[str]:
    """Overlapping character pairs of each run of Han characters in folded text."""
    pairs: list[str] = []
    for run in HAN_RUN_RE.findall(fold(text)):
        pairs.extend(run[i : i + 2] for i in range(len(run) - 1))
    return pairs


def analyze(text: str, segmenter: ChineseSegmenter | None = None) -> list[str]:
    """Index and query tokens of text: words, then the bigrams and hyphen-free model numbers
    that are not already words."""
    words = segment(text, segmenter)
    seen = set(words)
    extra: list[str] = []
    for word in words:
        if "-" in word and any(c.isdigit() for c in word):
            compact = word.replace("-", "")
            if compact not in seen:
                seen.add(compact)
                extra.append(compact)
    for pair in bigrams(text):
        if pair not in seen:
            seen.add(pair)
            extra.append(pair)
    return words + extra


def catalog_words(titles: Iterable[str], brands: Iterable[str], min_titles: int = 3) -> list[str]:
    """Words to add to a catalog's segmenter: its brands that have Han characters, and runs of 3
    or 4 Han characters standing alone (between spaces or punctuation) in at least `min_titles`
    titles, e.g. "连衣裙" or "保温杯". Sorted, so the same catalog gives the same dictionary."""
    words = {fold(b).strip() for b in brands if has_han(b) and len(b.strip()) <= 12}
    counts: dict[str, int] = {}
    for title in titles:
        for run in set(HAN_RUN_RE.findall(fold(title))):
            if 3 <= len(run) <= 4:
                counts[run] = counts.get(run, 0) + 1
    words.update(run for run, n in counts.items() if n >= min_titles)
    return sorted(w for w in words if w)
