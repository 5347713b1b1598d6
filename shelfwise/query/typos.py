"""Typing mistakes as shoppers make them: the shopper simulator types its queries with them and
the ranking model's augmentation rewrites training queries with them."""

from __future__ import annotations

import numpy as np


def misspell(text: str, rng: np.random.Generator) -> str:
    """One edit in one word of four letters or more: a swap, a dropped or a doubled letter."""
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not long:
        return text
    i = int(long[int(rng.integers(len(long)))])
    word = words[i]
    at = int(rng.integers(1, len(word) - 1))
    edit = int(rng.integers(3))
    if edit == 0:
        word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    elif edit == 1:
        word = word[:at] + word[at + 1 :]
    else:
        word = word[:at] + word[at] + word[at:]
    words[i] = word
    return " ".join(words)
