"""Synonyms: configured lists, and candidates mined from data that a person reviews before use.

Configured lists are Solr synonym files ("tv, television" makes the terms equivalent; "fridge =>
refrigerator" rewrites one way; "#" starts a comment line) or JSON. `SynonymSet.expand` finds the
phrases of a query that a rule covers (multiword phrases included) and lists the alternatives with
their weights; `phrasings` turns them into whole alternative queries.

Mined candidates (`synonym_mining`) go to a review file (`synonym_review`) as "pending";
`SynonymSet.from_reviewed` uses only the ones a person marked "approved". This module re-exports
both, so `shelfwise.query.synonyms` is the one place to import from.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shelfwise.index.lexical import build_analyzer
from shelfwise.query.synonym_mining import (
    EmbedTerms,
    JudgedPair,
    MiningConfig,
    embedding_candidates,
    judged_pairs,
    mine_synonym_candidates,
)
from shelfwise.query.synonym_review import (
    CandidateEvidence,
    Status,
    SynonymCandidate,
    approve,
    read_candidates,
    reject,
    review,
    write_candidates,
)
from shelfwise.query.zh_text import words

__all__ = [
    "CandidateEvidence",
    "EmbedTerms",
    "JudgedPair",
    "MiningConfig",
    "ParsedSynonyms",
    "Phrasing",
    "Status",
    "SynonymCandidate",
    "SynonymError",
    "SynonymExpansion",
    "SynonymRule",
    "SynonymSet",
    "approve",
    "embedding_candidates",
    "judged_pairs",
    "mine_synonym_candidates",
    "parse_synonym_file",
    "read_candidates",
    "reject",
    "review",
    "stem_normalizer",
    "write_candidates",
]

Normalizer = Callable[[str], str]

_ESCAPED_COMMA = "\x00"


class SynonymRule(BaseModel):
    """`terms` may be replaced by `alternatives` (for an equivalence, every term by every other)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    terms: tuple[str, ...] = Field(min_length=1)
    alternatives: tuple[str, ...] = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0, le=1)
    source: str = ""  # "file:line" or "mined"

    @classmethod
    def equivalent(cls, terms: Sequence[str], weight: float = 1.0, source: str = "") -> SynonymRule:
        return cls(terms=tuple(terms), alternatives=tuple(terms), weight=weight, source=source)


class SynonymError(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    line: int  # 1-based line of a Solr file, or entry number of a JSON list
    reason: str
    text: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}" + (f": {self.text!r}" if self.text else "")


class ParsedSynonyms(BaseModel):
    """The rules of the good lines, and one error for each bad line."""

    model_config = ConfigDict(frozen=True)

    rules: tuple[SynonymRule, ...]
    errors: tuple[SynonymError, ...]


class SynonymExpansion(BaseModel):
    """Query tokens [start, end) read `original`; `alternative` may stand in for them."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int
    original: str
    alternative: str
    weight: float


class Phrasing(NamedTuple):
    tokens: tuple[str, ...]
    weight: float


class SynonymSet:
    """Rules indexed by their normalized phrases; `expand` is read-only and safe across threads."""

    def __init__(self, rules: Iterable[SynonymRule] = (), normalize: Normalizer | None = None) -> None:
        self._normalize = normalize or str.lower
        self._rules = tuple(rules)
        self._targets: dict[tuple[str, ...], dict[str, float]] = {}
        for rule in self._rules:
            for term in rule.terms:
                key = self._key(term)
                for alternative in rule.alternatives:
                    if key and self._key(alternative) != key:
                        targets = self._targets.setdefault(key, {})
                        targets[alternative] = max(targets.get(alternative, 0.0), rule.weight)
        self._longest = max((len(key) for key in self._targets), default=0)

    @property
    def rules(self) -> tuple[SynonymRule, ...]:
        return self._rules

    def __len__(self) -> int:
        return len(self._rules)

    @classmethod
    def from_file(cls, path: Path, weight: float = 1.0, normalize: Normalizer | None = None) -> SynonymSet:
        """Rules of a Solr or JSON synonym file; raises ValueError listing every bad line."""
        parsed = parse_synonym_file(path, weight)
        if parsed.errors:
            raise ValueError("bad synonym rules:\n" + "\n".join(str(error) for error in parsed.errors))
        return cls(parsed.rules, normalize)

    @classmethod
    def from_reviewed(
        cls, path: Path, weight: float = 0.8, normalize: Normalizer | None = None
    ) -> SynonymSet:
        """Equivalences from the approved candidates of a review file; pending and rejected are ignored."""
        rules = [
            SynonymRule.equivalent((c.term_a, c.term_b), weight, source=f"{path.name}:{c.term_a}|{c.term_b}")
            for c in read_candidates(path)
            if c.status == "approved"
        ]
        return cls(rules, normalize)

    def expand(self, tokens: Sequence[str]) -> list[SynonymExpansion]:
        """Alternatives for every phrase of tokens that a rule covers, by position then weight."""
        keys = [self._normalize(token) for token in tokens]
        found: list[SynonymExpansion] = []
        for start in range(len(tokens)):
            for end in range(min(len(tokens), start + self._longest), start, -1):
                targets = self._targets.get(tuple(keys[start:end]))
                if not targets:
                    continue
                original = " ".join(tokens[start:end])
                found.extend(
                    SynonymExpansion(start=start, end=end, original=original, alternative=alt, weight=w)
                    for alt, w in targets.items()
                )
        return sorted(found, key=lambda e: (e.start, -e.weight, e.alternative))

    def phrasings(self, tokens: Sequence[str], limit: int = 10) -> list[Phrasing]:
        """Whole alternative queries, one substitution each, best weight first."""
        out = [
            Phrasing((*tokens[: e.start], *e.alternative.split(), *tokens[e.end :]), e.weight)
            for e in self.expand(tokens)
        ]
        return sorted(out, key=lambda p: -p.weight)[:limit]

    def _key(self, phrase: str) -> tuple[str, ...]:
        return tuple(self._normalize(word) for word in words(phrase))


def stem_normalizer() -> Normalizer:
    """Lowercase and stem a word the way the lexical index does, so "fridges" matches "fridge"."""
    analyzer = build_analyzer()

    def normalize(word: str) -> str:
        stems = analyzer.analyze(word)
        return stems[0] if stems else word.lower()

    return normalize


def parse_synonym_file(path: Path, weight: float = 1.0) -> ParsedSynonyms:
    """Rules of a Solr synonyms file (or JSON, by suffix .json), keeping good lines past bad ones."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        return _parse_json(str(path), text, weight)
    rules, errors = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        rule = _parse_solr_line(line, weight, f"{path}:{number}")
        if isinstance(rule, str):
            errors.append(SynonymError(path=str(path), line=number, reason=rule, text=line))
        else:
            rules.append(rule)
    return ParsedSynonyms(rules=tuple(rules), errors=tuple(errors))


def _parse_solr_line(line: str, weight: float, source: str) -> SynonymRule | str:
    """A rule, or the reason the line is not one."""
    sides = line.replace("\\,", _ESCAPED_COMMA).split("=>")
    if len(sides) > 2:
        return "more than one '=>'"
    groups = [_solr_terms(side) for side in sides]
    if any(term is None for group in groups for term in group):
        return "empty term (two commas in a row, or a comma at an end)"
    terms = [[t for t in group if t is not None] for group in groups]
    if len(terms) == 2:
        return SynonymRule(terms=tuple(terms[0]), alternatives=tuple(terms[1]), weight=weight, source=source)
    if len(terms[0]) < 2:
        return "an equivalence needs at least two terms"
    return SynonymRule.equivalent(terms[0], weight, source)


def _solr_terms(side: str) -> list[str | None]:
    """Comma-separated terms, lowercased with spaces collapsed; None for an empty one."""
    terms: list[str | None] = []
    for part in side.split(","):
        term = " ".join(part.replace(_ESCAPED_COMMA, ",").split()).lower()
        terms.append(term or None)
    return terms


def _parse_json(path: str, text: str, weight: float) -> ParsedSynonyms:
    """`{"synonyms": [...]}` or a list: ["a", "b"] equivalences, {"from", "to", "weight"} one-way."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return ParsedSynonyms(
            rules=(), errors=(SynonymError(path=path, line=error.lineno, reason=error.msg),)
        )
    entries = data.get("synonyms") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        reason = 'expected a list, or an object with a "synonyms" list'
        return ParsedSynonyms(rules=(), errors=(SynonymError(path=path, line=1, reason=reason),))
    rules, errors = [], []
    for number, entry in enumerate(entries, start=1):
        try:
            rules.append(_json_rule(entry, weight, f"{path}#{number}"))
        except ValidationError as error:
            first = error.errors()[0]
            reason = f"{'.'.join(map(str, first['loc']))}: {first['msg']}"
            errors.append(SynonymError(path=path, line=number, reason=reason, text=json.dumps(entry)))
        except (ValueError, TypeError) as error:
            reason = str(error)
            errors.append(SynonymError(path=path, line=number, reason=reason, text=json.dumps(entry)))
    return ParsedSynonyms(rules=tuple(rules), errors=tuple(errors))


def _json_rule(entry: Any, weight: float, source: str) -> SynonymRule:
    if isinstance(entry, list):
        terms = [" ".join(str(term).split()).lower() for term in entry]
        if len(terms) < 2 or not all(terms):
            raise ValueError("an equivalence needs at least two non-empty terms")
        return SynonymRule.equivalent(terms, weight, source)
    if isinstance(entry, dict) and set(entry) <= {"from", "to", "weight"} and {"from", "to"} <= set(entry):
        sides = [[" ".join(str(t).split()).lower() for t in _as_list(entry[k])] for k in ("from", "to")]
        if not all(sides[0]) or not all(sides[1]):
            raise ValueError("empty term")
        rule_weight = float(entry.get("weight", weight))
        return SynonymRule(
            terms=tuple(sides[0]), alternatives=tuple(sides[1]), weight=rule_weight, source=source
        )
    raise ValueError('expected a list of terms or {"from": ..., "to": ..., "weight": ...}')


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
