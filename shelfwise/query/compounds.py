"""Chinese compounds the dictionary lacks, read as English phrases the catalog uses.

A word CC-CEDICT does not hold whole (钉枪, 喷水器, 石膏板) is cut into the longest dictionary
words from the left (`split_known`); Chinese compounds put the head last, as English noun phrases
do, so the pieces' senses in their order make the candidate phrases (钉 nail + 枪 gun -> "nail
gun"). Two general rules of Chinese word formation add candidates:

- an agent suffix (`AGENT_SUFFIXES`: 器, 机, 仪) after a verb names the thing that does it,
  which English writes with -er/-or: 喷 spray + 水 water + 器 -> "water sprayer", 开 open + 门
  door + 器 -> "door opener" (the object, when there is one, goes first);

Every candidate is checked against the catalog: a derived word must be in its vocabulary, and the
candidates are ranked by how many titles hold all their words together (`Together`), then by how
many of the compound's pieces they render, then by the dictionary's order of senses. The best is
searched; the runner-up, when some title holds it too, is kept as an alternative. Nothing here
raises; a compound no candidate of which any title holds is left to the word-by-word choice.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

AGENT_SUFFIXES = frozenset("器机仪")
"""morphemes that, after a verb, name the device doing it (a general table of Chinese word
formation: 加热器 heater, 搅拌机 mixer, 检测仪 detector)"""
SENSES_PER_PIECE = 3
MAX_CANDIDATES = 64
VOWELS = frozenset("aeiou")

Together = Callable[[frozenset[str]], int]
Analyze = Callable[[str], frozenset[str]]
Frequency = Callable[[str], int]


@dataclass(frozen=True)
class CompoundReading:
    """The English chosen for a compound, its runner-up senses and how many titles hold it."""

    word: str
    text: str
    alternatives: tuple[str, ...]
    titles: int
    parts: tuple[tuple[str, str], ...] = ()
    """(piece, its sense) when the text is the pieces' senses in order; empty for an agent noun
    (the whole word reads as one)"""


def agent_nouns(verb: str) -> tuple[str, ...]:
    """English agent nouns of a one-word verb: spray -> sprayer, sprinkle -> sprinkler, cut ->
    cutter, detect -> detector, dry -> dryer (the catalog decides which, if any, exist)."""
    word = verb.strip().lower()
    if not word.isalpha() or " " in word or len(word) < 2:
        return ()
    if word.endswith("e"):
        return (word + "r",)
    forms = [word + "er", word + "or"]
    consonant_vowel_consonant = word[-1] not in VOWELS | {"w", "x", "y"} and word[-2] in VOWELS
    if len(word) >= 3 and consonant_vowel_consonant and word[-3] not in VOWELS:
        forms.insert(0, word + word[-1] + "er")  # cut -> cutter
    return tuple(forms)


@dataclass(frozen=True)
class CompoundReader:
    """Reads split compounds against one catalog (its analyser, term frequency and, when given,
    the count of titles holding several terms together)."""

    senses: Callable[[str], Sequence[str]]
    verbs: Mapping[str, frozenset[str]]
    analyze: Analyze
    frequency: Frequency
    together: Together | None = None

    def read(self, word: str, pieces: Sequence[str]) -> CompoundReading | None:
        """The best English phrase for `word`, cut into `pieces`, or None when no candidate has
        every word in the catalog (and, with `together`, no title holds one whole)."""
        if len(pieces) < 2:
            return None
        try:
            scored = sorted(self._scored(pieces), key=lambda s: (-s[0], -s[1], s[2]))
        except Exception:  # an odd sense or a failing count leaves the word to the caller
            return None
        if not scored or scored[0][0] <= 0:
            return None
        best_titles, _, _, best = scored[0]
        rest = tuple(dict.fromkeys(t for titles, _, _, t in scored[1:] if titles > 0 and t != best))
        options = [[(piece, s) for s in self.senses(piece)[:SENSES_PER_PIECE]] for piece in pieces]
        parts = next((p for p in itertools.product(*options) if " ".join(s for _, s in p) == best), ())
        return CompoundReading(word, best, rest[:2], best_titles, tuple(parts))

    def _scored(self, pieces: Sequence[str]) -> list[tuple[int, int, int, str]]:
        """(titles holding it, pieces rendered, sense rank, text) for each candidate phrase."""
        out = []
        for rendered, rank, text in self._candidates(pieces):
            terms = self.analyze(text)
            if not terms or any(self.frequency(t) <= 0 for t in terms):
                continue
            titles = self.together(terms) if self.together is not None else min(map(self.frequency, terms))
            out.append((titles, rendered, rank, text))
        return out

    def _candidates(self, pieces: Sequence[str]) -> list[tuple[int, int, str]]:
        """(pieces rendered, rank sum, text): the pieces' senses in order, and agent nouns."""
        options = [list(self.senses(p))[:SENSES_PER_PIECE] for p in pieces]
        out: list[tuple[int, int, str]] = []
        if all(options):
            combos = itertools.product(*[list(enumerate(o)) for o in options])
            for combo in itertools.islice(combos, MAX_CANDIDATES):
                out.append((len(pieces), sum(r for r, _ in combo), " ".join(s for _, s in combo)))
        out += self._agentive(pieces)
        return out

    def _agentive(self, pieces: Sequence[str]) -> list[tuple[int, int, str]]:
        """Verb (+ object) + agent suffix: "object verb-er", and the verb's object with the
        suffix left out ("water spray")."""
        if pieces[-1] not in AGENT_SUFFIXES or len(pieces) < 2:
            return []
        verb, objects = pieces[0], pieces[1:-1]
        verbs = self.verbs.get(verb, frozenset())
        verb_senses = [s for s in self.senses(verb) if s in verbs and " " not in s]
        object_options = [list(self.senses(o))[:SENSES_PER_PIECE] for o in objects]
        if not verb_senses or not all(object_options):
            return []
        out = []
        for rank, sense in enumerate(verb_senses[:SENSES_PER_PIECE]):
            for objects_combo in itertools.product(*object_options) if objects else [()]:
                prefix = " ".join(objects_combo)
                for noun in agent_nouns(sense):
                    if self.frequency_of_word(noun):
                        out.append((len(pieces), rank, f"{prefix} {noun}".strip()))
        return out

    def frequency_of_word(self, word: str) -> bool:
        terms = self.analyze(word)
        return len(terms) == 1 and all(self.frequency(t) > 0 for t in terms)


__all__ = ["AGENT_SUFFIXES", "CompoundReader", "CompoundReading", "agent_nouns"]
