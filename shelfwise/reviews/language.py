"""The language of one review, from the scripts of its letters (the catalog's own detection,
`shelfwise.language.detect`, judges a sample of titles; a review is judged alone).

A Han character carries about a word, a Latin word about five letters, so a review is `zh` when
its Han characters are at least a quarter of its Latin letters ("这个iPhone壳很好用" is Chinese,
"great case, 很好" is not), `en` when Latin letters lead, `multi` when another script (Cyrillic,
kana, Hangul, ...) leads, and `und` (undetermined) without letters at all.
"""

from __future__ import annotations

from collections import Counter

from shelfwise.language.scripts import script_of

HAN_PER_LATIN_LETTER = 0.25


def review_language(text: str) -> str:
    """'zh', 'en', 'multi' or 'und' for the text of a review (title and body)."""
    counts: Counter[str] = Counter()
    for char in text:
        script = script_of(char)
        if script is not None:
            counts["Han" if script == "Han" else "Latin" if script == "Latin" else "other"] += 1
    han, latin, other = counts["Han"], counts["Latin"], counts["other"]
    if not han and not latin and not other:
        return "und"
    if other > han + latin * HAN_PER_LATIN_LETTER:
        return "multi"
    if han and han >= latin * HAN_PER_LATIN_LETTER:
        return "zh"
    return "en"
