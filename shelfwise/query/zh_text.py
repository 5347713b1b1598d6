"""Chinese text helpers of shelfwise.language.chinese, imported on first use: importing the
package `shelfwise.language` at module level would be circular (its detect module imports search,
which imports query)."""

from __future__ import annotations

import re

_HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
HAN_RUN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]+")


def has_han(text: str) -> bool:
    return _HAN_RE.search(text) is not None


def fold(text: str) -> str:
    from shelfwise.language.chinese import fold as chinese_fold

    return chinese_fold(text)


def bigrams(text: str) -> list[str]:
    from shelfwise.language.chinese import bigrams as chinese_bigrams

    return chinese_bigrams(text)


def cut(han_run: str) -> list[str]:
    """jieba's words of a run of Han characters (jieba's own dictionary)."""
    from shelfwise.language.chinese import default_segmenter

    return default_segmenter().cut(han_run)
