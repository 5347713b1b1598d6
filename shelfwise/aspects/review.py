"""The review file of mined aspects: JSON lines, one candidate each, with a status.

Mining writes candidates as "pending"; a person (or `shelfwise aspects accept / reject / rename`)
decides. Only accepted aspects are used (`accepted_aspects`). Renaming keeps what mining called
it (`mined_as`), so mining again finds the decision; renaming onto another aspect's name merges
the two: their forms are matched as one aspect. Writing fresh candidates over a reviewed file keeps
every decision (status and name), and decided candidates not mined again stay at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from shelfwise.aspects.records import AspectCandidate, AspectLanguage, AspectStatus


@dataclass(frozen=True)
class Aspect:
    """An accepted aspect of a category: its name and every form that mentions it."""

    category: str
    name: str
    terms: tuple[str, ...]
    language: AspectLanguage


def write_candidates(path: Path, candidates: Iterable[AspectCandidate], keep_reviewed: bool = True) -> int:
    """Write candidates as JSON lines, atomically; returns how many lines were written."""
    decided: dict[tuple[str, str], AspectCandidate] = {}
    if keep_reviewed and path.exists():
        decided = {_mined_key(c): c for c in read_candidates(path) if c.status != "pending" or c.mined_as}
    out = []
    for candidate in candidates:
        earlier = decided.pop(_mined_key(candidate), None)
        if earlier is not None:
            terms = tuple(sorted(set(candidate.terms) | set(earlier.terms)))
            candidate = candidate.model_copy(
                update={
                    "status": earlier.status,
                    "name": earlier.name,
                    "mined_as": earlier.mined_as,
                    "terms": terms,
                }
            )
        out.append(candidate)
    out.extend(decided.values())
    _write_atomic(path, "".join(candidate.model_dump_json() + "\n" for candidate in out))
    return len(out)


def _mined_key(candidate: AspectCandidate) -> tuple[str, str]:
    return candidate.category, candidate.mined_as or candidate.name


def read_candidates(path: Path) -> list[AspectCandidate]:
    candidates = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                candidates.append(AspectCandidate.model_validate_json(line))
            except ValidationError as error:
                raise ValueError(f"{path}:{number}: not an aspect candidate: {error}") from error
    return candidates


def set_status(
    candidates: Sequence[AspectCandidate],
    names: Iterable[str],
    status: AspectStatus,
    category: str | None = None,
) -> list[AspectCandidate]:
    """Candidates named `names` (in `category`, or in every category when None) set to status;
    raises KeyError naming the ones not found."""
    wanted = {name.strip().lower() for name in names}
    out, seen = [], set()
    for c in candidates:
        if c.name.lower() in wanted and (category is None or c.category == category):
            seen.add(c.name.lower())
            c = c.model_copy(update={"status": status})
        out.append(c)
    _check_found(wanted - seen, category)
    return out


def rename(
    candidates: Sequence[AspectCandidate], old: str, new: str, category: str | None = None
) -> list[AspectCandidate]:
    """The candidates named `old` renamed `new` (accepted: renaming is a decision); onto an existing
    name, the two are matched as one aspect. Raises KeyError when `old` is not there."""
    new = " ".join(new.split())
    if not new:
        raise ValueError("the new name is empty")
    out, found = [], False
    for c in candidates:
        if c.name.lower() == old.strip().lower() and (category is None or c.category == category):
            found = True
            c = c.model_copy(update={"name": new, "mined_as": c.mined_as or c.name, "status": "accepted"})
        out.append(c)
    _check_found(set() if found else {old}, category)
    return out


def _check_found(missing: set[str], category: str | None) -> None:
    if missing:
        where = f" in category {category!r}" if category else ""
        raise KeyError(f"not among the candidates{where}: {sorted(missing)}")


def update_file(path: Path, names: Iterable[str], status: AspectStatus, category: str | None = None) -> None:
    """Set the status of named candidates in a review file."""
    write_candidates(path, set_status(read_candidates(path), names, status, category), keep_reviewed=False)


def rename_in_file(path: Path, old: str, new: str, category: str | None = None) -> None:
    """Rename a candidate of a review file (and accept it)."""
    write_candidates(path, rename(read_candidates(path), old, new, category), keep_reviewed=False)


def accepted_aspects(candidates: Iterable[AspectCandidate]) -> list[Aspect]:
    """The accepted aspects, one per (category, name): candidates renamed onto one name merge."""
    merged: dict[tuple[str, str], set[str]] = {}
    languages: dict[tuple[str, str], AspectLanguage] = {}
    for c in candidates:
        if c.status == "accepted":
            merged.setdefault(c.key, set()).update({c.name.lower(), *c.terms})
            languages[c.key] = c.language
    return [
        Aspect(category, name, tuple(sorted(terms)), languages[(category, name)])
        for (category, name), terms in sorted(merged.items())
    ]


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
