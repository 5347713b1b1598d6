"""Chinese text helpers for query understanding, over shelfwise.language.chinese (folding,
jieba): words of mixed text, brand names in two scripts, Han spacing."""

from __future__ import annotations

import re

from shelfwise.language.chinese import HAN_RUN_RE, bigrams, default_segmenter, fold, has_han
from shelfwise.query.zh_lexicon import ZH_BRAND_ALIASES

__all__ = [
    "HAN_RUN_RE",
    "bigrams",
    "brand_aliases",
    "cut",
    "cut_words",
    "fold",
    "has_han",
    "is_word",
    "join_han",
    "words",
]


def cut(han_run: str) -> list[str]:
    """jieba's words of a run of Han characters (jieba's own dictionary)."""
    return default_segmenter().cut(han_run)


_HAN_GAP_RE = re.compile(
    "(?<=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]) +(?=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])"
)


def join_han(text: str) -> str:
    """Spaces between two Han characters removed: "蓝牙 耳机" -> "蓝牙耳机", "sony 耳机" unchanged."""
    return _HAN_GAP_RE.sub("", text)


_BRAND_PARTS_RE = re.compile(r"[/|()（）\[\]【】,，·]+")
_SCRIPT_PARTS_RE = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
)


def brand_aliases(brand: str) -> set[str]:
    """The folded names a brand answers to: itself, the parts of a bilingual name ("索尼/Sony",
    "索尼(SONY)", "索尼 Sony" -> "索尼", "sony"; a Latin name is never cut at its spaces: "the north
    face" stays whole) and the built-in transliteration of a well-known brand ("sony" <-> "索尼")."""
    folded = " ".join(fold(brand).split())
    aliases = {folded}
    for part in _BRAND_PARTS_RE.split(folded):
        pieces = [p.strip() for p in _SCRIPT_PARTS_RE.findall(part)] if has_han(part) else [part.strip()]
        aliases.update(p for p in pieces if len(p) >= 2 or has_han(p))
    for chinese, latin in ZH_BRAND_ALIASES.items():
        if latin in aliases:
            aliases.add(chinese)
        elif chinese in aliases:
            aliases.add(latin)
    return {alias for alias in aliases if alias}


def is_word(text: str) -> bool:
    """A word of jieba's own dictionary."""
    return default_segmenter().knows(text)


def cut_words(han_run: str) -> list[str]:
    """jieba's words of a Han run, lone characters joined to a neighbour ("瑜伽" "垫" -> "瑜伽垫")."""
    return _attach_single(cut(han_run))


def words(text: str) -> list[str]:
    """Whitespace-separated words, with each run of Han characters cut into jieba's words (folded),
    lone characters joined to their neighbour: "透明手机壳 iPhone" -> ["透明", "手机壳", "iPhone"].
    Text without Han is just split."""
    if not has_han(text):
        return text.split()
    out: list[str] = []
    for piece in text.split():
        if not has_han(piece):
            out.append(piece)
            continue
        position = 0
        folded = fold(piece) if len(fold(piece)) == len(piece) else piece
        for run in HAN_RUN_RE.finditer(folded):
            if run.start() > position:
                out.append(folded[position : run.start()])
            out.extend(_attach_single(cut(run.group())))
            position = run.end()
        if position < len(folded):
            out.append(folded[position:])
    return [word for word in out if word.strip()]


_FUNCTION_CHARS = frozenset("的了和与及之或等是在也很")


def _attach_single(pieces: list[str]) -> list[str]:
    """Lone characters: two or more in a row make one word ("防" "摔" -> "防摔"); one alone joins the
    word before it (Chinese compounds end in their head: "手机" + "壳" is "手机壳"), or the word after
    it at the start. Function characters ("的") end a compound and are left out."""
    groups: list[list[str]] = []
    for piece in pieces:
        if piece in _FUNCTION_CHARS:
            groups.append([])
        elif len(piece) == 1 and groups and groups[-1] and len(groups[-1][-1]) == 1:
            groups[-1].append(piece)
        else:
            groups.append([piece])
    out: list[str] = []
    for k, group in enumerate(groups):
        word = "".join(group)
        follows = bool(out and out[-1] and groups[k - 1])  # no function character between
        if follows and (len(word) == 1 or len(out[-1]) == 1):
            out[-1] += word
        else:
            out.append(word)
    return [word for word in out if word]
