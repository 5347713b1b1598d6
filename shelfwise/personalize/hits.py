"""Personal re-ordering of search hits with the profile boost, and the evidence each hit shows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shelfwise.personalize.boost import boost
from shelfwise.personalize.profiles import Profiles
from shelfwise.records import Explanation, Hit, PersonalEvidence


def personalize_hits(
    hits: Sequence[Hit], profiles: Profiles, actor: str, weight: float, depth: int, reasons: bool = True
) -> list[Hit]:
    """`hits` (best first, ranks from 1) with their first `depth` re-ordered for `actor`; ranks
    are renumbered, and each re-ordered hit's explanation gains its `personal` evidence."""
    head, tail = list(hits[:depth]), list(hits[depth:])
    if len(head) < 2:
        return list(hits)
    features = profiles.features(actor, [hit.product for hit in head])
    boosted = boost(np.array([hit.score for hit in head]), features, weight)
    first_rank = head[0].rank
    out: list[Hit] = []
    for place, index in enumerate(boosted.order.tolist()):
        hit = head[index]
        words = [r.text for r in profiles.reasons(actor, hit.product)] if reasons else []
        evidence = PersonalEvidence(
            relevance=round(float(boosted.relevance[index]), 4),
            fit=round(float(boosted.fit[index]), 4),
            final=round(float(boosted.final[index]), 4),
            moved=index - place,
            reasons=words,
        )
        explanation = (hit.explanation or Explanation()).model_copy(update={"personal": evidence})
        out.append(hit.model_copy(update={"rank": first_rank + place, "explanation": explanation}))
    return out + tail
