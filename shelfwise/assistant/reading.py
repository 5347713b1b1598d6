"""Reading one turn: what the shopper's message does (a need, a revision, a comparison, a shop
question, starting over) and the constraints query understanding finds in it, in English and
Chinese. Pure: the understanding is passed in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from shelfwise.assistant import cues
from shelfwise.query.parsed import DEFAULT_MIN_CONFIDENCE, ParsedConstraint
from shelfwise.query.understand import QueryUnderstanding
from shelfwise.query.zh_text import has_han

TurnKind = Literal["need", "faq", "compare", "reset", "more"]
_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[,.;:!?，。；：！？、()（）\"“”&]+|'(?!\w)|(?<!\w)'")  # not the ' of "I'm"
_EN_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*", re.I)


@dataclass(frozen=True)
class TurnReading:
    """What one message says."""

    kind: TurnKind
    language: str
    message: str = ""
    constraints: tuple[ParsedConstraint, ...] = ()
    words: str = ""
    """product words left once constraints, revisions and filler are taken out"""
    use: str = ""
    revision: Literal["cheaper", "pricier"] | None = None
    any_value: bool = False
    instead: bool = False
    comparative: cues.Comparative | None = None
    ordinals: tuple[int, ...] = field(default=())
    asks: bool = False
    """the message is a question ("do you have a store?", "有实体店吗")"""


def message_language(message: str, requested: str | None, previous: str | None = None) -> str:
    """The language asked for; else Chinese for a message with Chinese characters; else the
    conversation's language for a short answer without them ("Sony", "XL" in a Chinese
    conversation); else English."""
    if requested in ("en", "zh"):
        return requested
    if has_han(message):
        return "zh"
    if previous == "zh" and len(message.split()) <= 2:
        return "zh"
    return "en"


def read_turn(message: str, understanding: QueryUnderstanding | None, language: str) -> TurnReading:
    """The reading of `message` (understanding None: no index loaded, so no constraints)."""
    text = _SPACE.sub(" ", message).strip()
    if cues.RESET.search(text):
        return TurnReading("reset", language, text)
    if cues.MORE.search(text):
        return TurnReading("more", language, text)
    if cues.COMPARE.search(text) and not cues.SHOP_QUESTION.search(text):
        return TurnReading(
            "compare", language, text, comparative=_comparative(text), ordinals=_ordinals(text, language)
        )
    if cues.SHOP_QUESTION.search(text):
        return TurnReading("faq", language, text)
    if cues.ANY.search(text):
        return TurnReading("need", language, text, any_value=True)
    return _need(text, understanding, language)


def _need(text: str, understanding: QueryUnderstanding | None, language: str) -> TurnReading:
    revision: Literal["cheaper", "pricier"] | None = None
    if cues.CHEAPER.search(text):
        revision = "cheaper"
    elif cues.PRICIER.search(text):
        revision = "pricier"
    stripped = cues.REVISION_WORDS.sub(" ", text)
    use, stripped = _use(stripped, language)
    constraints: tuple[ParsedConstraint, ...] = ()
    remaining = stripped
    if understanding is not None and stripped.strip():
        reading = understanding.read(stripped)
        constraints = tuple(c for c in reading.parsed.constraints if _kept(c))
        remaining = _without_spans(reading.parsed.original, constraints)
    return TurnReading(
        "need",
        language,
        text,
        constraints=constraints,
        words=_product_words(remaining, language),
        use=use,
        revision=revision,
        instead=bool(cues.INSTEAD.search(text)),
        asks=bool(cues.QUESTION.search(text)),
    )


def _kept(constraint: ParsedConstraint) -> bool:
    """Search's confidence floor, lower for what is clear in a conversation: a negation ("not
    red") and a value named exactly as the catalog spells it ("HP", which a search query may use
    as a word, is the brand when a shopper answers with it)."""
    exact = constraint.source.strip().casefold() in {v.casefold() for v in constraint.values}
    if constraint.negated or exact:
        return constraint.confidence >= DEFAULT_MIN_CONFIDENCE - 0.15
    return constraint.confidence >= DEFAULT_MIN_CONFIDENCE


def _without_spans(text: str, constraints: tuple[ParsedConstraint, ...]) -> str:
    """The text less the spans constraints were read from."""
    spans = sorted(c.span for c in constraints if c.span != (0, 0) or c.source)
    pieces, position = [], 0
    for start, end in spans:
        if start >= position:
            pieces.append(text[position:start])
            position = end
    return " ".join(pieces + [text[position:]])


def _use(text: str, language: str) -> tuple[str, str]:
    """The use read from the end of the message, and the message without it."""
    cleaned = _PUNCT.sub(" ", text).strip()
    if language == "zh":
        found = cues.USE_ZH.search(cleaned)
        if found:
            return (found.group(1) or found.group(2)), cleaned[: found.start()] + cleaned[found.end() :]
        return "", text
    found = cues.USE_EN.search(cleaned)
    if found and not re.search(r"\blooking\s*$", cleaned[: found.start()], re.I):
        use = " ".join(w for w in found.group(1).split() if w.lower() not in cues.FILLER_EN)
        return use, cleaned[: found.start()]
    return "", text


def _product_words(text: str, language: str) -> str:
    """What is left once filler and punctuation are taken out ('show me a' -> '')."""
    text = _PUNCT.sub(" ", text)
    if has_han(text):
        for filler in sorted(cues.FILLER_ZH, key=len, reverse=True):
            text = text.replace(filler, " ")
    kept = [
        w for w in text.split() if w.lower() not in cues.FILLER_EN and _EN_WORD.fullmatch(w) or has_han(w)
    ]
    return " ".join(kept).strip()


def _comparative(text: str) -> cues.Comparative | None:
    for pattern, comparative in cues.COMPARATIVES:
        if pattern.search(text):
            return comparative
    return None


def _ordinals(text: str, language: str) -> tuple[int, ...]:
    """Positions of shown products the message names, in order, once each."""
    found: list[int] = []
    for match in cues.ORDINAL_ZH.finditer(text):
        found.append(cues.ORDINALS_ZH[match.group(1)])
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if word in cues.ORDINALS_EN:
            found.append(cues.ORDINALS_EN[word])
    if not found and language == "en":
        found = [int(m.group(1)) for m in cues.NUMBER_EN.finditer(text)]
    return tuple(dict.fromkeys(found))
