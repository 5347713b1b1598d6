"""An honest floor under search answers: did anything match the query, and can search read it?

A hit matches `lexical`ly when one of the query's terms (after spelling correction, or one of its
synonyms' terms) is in its title or brand, as analysed words (stemmed, stop words left out). BM25's
typo tolerance alone does not count ("mower" is one edit from "power"); in lexical mode, where
there is no cosine to judge by, every BM25 hit counts. It matches `semantic`ally when its cosine
to the query reaches the floor calibrated for the active encoder (`CALIBRATED_FLOORS`, measured in
docs/benchmarks.md). Else it is only `nearest`. An answer whose passing candidates are all
nearest is `nearest_only`: its hits are kept, in the same order (so Recall@k is unchanged), and
the answer says that none of them is a close match.

A query whose letters are all in scripts the catalog's titles do not use (Han over an English
catalog) is `unreadable` to an encoder that reads one language: the answer says so instead of
showing guesses. A multilingual encoder reads it, and search runs as for any query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shelfwise.config import MatchFloorConfig
from shelfwise.language.scripts import scripts_in
from shelfwise.records import HitMatch, MatchQuality, MatchStatus
from shelfwise.search.fusion import FusedCandidate

CALIBRATED_FLOORS: dict[str, float] = {
    "minilm": 0.39,
    "fine-tuned": 0.39,
    "multilingual-e5-small": 0.79,
    "hashing": 0.31,
}
"""encoder family -> cosine a hit without a query term needs to be a close match: the best cosine
that 99% of the queries answered well (a relevant product in the top 10) reach, on the demo shop's
query sets and, for MiniLM, the Home Depot validation queries (`benchmarks/match_floor.py
calibrate`, docs/benchmarks.md "The match floor"). The fine-tuned MiniLM was not measured and
takes MiniLM's; E5's cosines crowd into 0.75-0.92 for every query, so its floor flags few."""
MULTILINGUAL_FAMILIES = frozenset({"multilingual-e5-small"})


def reads_every_script(encoder_version: str) -> bool:
    """Whether the encoder of this version reads queries in any script (a multilingual one)."""
    return encoder_family(encoder_version) in MULTILINGUAL_FAMILIES


def encoder_family(version: str) -> str:
    """The family of an encoder version: minilm, fine-tuned, multilingual-e5-small, hashing or other."""
    if version.startswith("all-MiniLM"):
        return "minilm"
    for family in ("fine-tuned", "multilingual-e5-small", "hashing"):
        if version.startswith(family):
            return family
    return "other"


@dataclass(frozen=True)
class MatchFloor:
    """What an answer is judged by: the cosine floor, whether the encoder reads every script, and
    the scripts of the catalog (empty: not known, never `unreadable`)."""

    similarity: float
    multilingual: bool
    catalog_scripts: frozenset[str]

    @classmethod
    def of(cls, config: MatchFloorConfig, encoder_version: str, shares: Mapping[str, float]) -> MatchFloor:
        family = encoder_family(encoder_version)
        similarity = config.similarity
        if similarity is None:
            similarity = CALIBRATED_FLOORS.get(family, CALIBRATED_FLOORS["minilm"])
        scripts = frozenset(s for s, share in shares.items() if share >= config.script_min_share)
        return cls(similarity, reads_every_script(encoder_version), scripts)

    def unreadable_scripts(self, query: str, mode: str) -> frozenset[str]:
        """The query's scripts when search cannot read it (else empty): it has letters, none in
        the catalog's scripts, and the vector side would only guess (not multilingual; lexical
        mode never guesses, it finds nothing)."""
        if self.multilingual or mode == "lexical" or not self.catalog_scripts:
            return frozenset()
        found = scripts_in(query)
        return found if found and not found & self.catalog_scripts else frozenset()

    def hit_match(self, candidate: FusedCandidate, covered: Mapping[str, float]) -> HitMatch:
        """`covered`: the share of the query's terms in each title (None: every BM25 hit counts)."""
        if covered.get(candidate.product_id, 0.0) > 0.0:
            return "lexical"
        similarity = candidate.vector_similarity
        return "semantic" if similarity is not None and similarity >= self.similarity else "nearest"

    def judge(
        self, query: str, passing: Sequence[FusedCandidate], covered: Mapping[str, float] | None
    ) -> tuple[MatchQuality, dict[str, HitMatch]]:
        """The answer's quality over the candidates that pass the filters, and each one's match.
        `covered`: the share of the query's terms in each candidate's title or brand; None in
        lexical mode (every BM25 hit is a lexical match)."""
        if covered is None:
            covered = {c.product_id: 1.0 for c in passing if c.lexical_score is not None}
        matches = {c.product_id: self.hit_match(c, covered) for c in passing}
        sims = [c.vector_similarity for c in passing if c.vector_similarity is not None]
        best = max(sims) if sims else None
        status: MatchStatus = "close"
        message = None
        if not passing:
            status = "nothing"
        elif all(kind == "nearest" for kind in matches.values()):
            status = "nearest_only"
            message = f"No close matches for “{query}”; the nearest items are shown."
        quality = MatchQuality(
            status=status, message=message, similarity_floor=self.similarity,
            best_similarity=None if best is None else round(float(best), 4),
            catalog_scripts=sorted(self.catalog_scripts), query_scripts=sorted(scripts_in(query)),
        )  # fmt: skip
        return quality, matches

    def unreadable(self, query: str, scripts: frozenset[str]) -> MatchQuality:
        theirs = ", ".join(sorted(scripts))
        ours = ", ".join(sorted(self.catalog_scripts))
        return MatchQuality(
            status="unreadable",
            message=f"This shop's search cannot read “{query}” ({theirs} script): its products "
            f"are written in {ours} script. Try the words in {ours} letters.",
            similarity_floor=self.similarity, best_similarity=None,
            catalog_scripts=sorted(self.catalog_scripts), query_scripts=sorted(scripts),
        )  # fmt: skip


__all__ = [
    "CALIBRATED_FLOORS",
    "MatchFloor",
    "encoder_family",
    "reads_every_script",
]
