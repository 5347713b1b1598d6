"""Review TSV files: `review_id, text, rating` (plus optional `product_id`, `language`) to train
on, `review_id, text` (plus optional `language`) to score, and the scored output `review_id,
label, score`. Every problem names the file, the line and the field; a file with any is refused
whole (training on part of a file would silently change the model). Title or summary columns
are never read: the text is the review body (Amazon's summaries such as "Five Stars" give the
rating away)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from shelfwise.sentiment.records import ReviewExample, Sentiment

MAX_PROBLEMS = 10


def chinese_review_set() -> Path:
    """The 200 hand-written Chinese reviews (25 products: cosmetics, electronics, clothing, food,
    home; 1-5 stars) shipped with the package, in the training format."""
    return Path(__file__).resolve().parent / "data" / "reviews_zh.tsv"


class ReviewFileError(ValueError):
    """A review file that cannot be used, with each problem as `file:line: field: what`."""

    def __init__(self, path: Path, problems: Sequence[str], total: int | None = None) -> None:
        self.problems = list(problems)
        count = total if total is not None else len(problems)
        more = f" (and {count - len(problems)} more)" if count > len(problems) else ""
        super().__init__(f"{path}: {count} problem(s){more}:\n" + "\n".join(problems))


@dataclass(frozen=True)
class ReviewText:
    """A review to score."""

    review_id: str
    text: str
    language: str | None = None


def _rows(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, column -> value) of each non-blank line: fields split on tabs, no quoting
    (a text holds no tab or line break), as the project's other TSV files."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            header = [name.strip() for name in handle.readline().rstrip("\r\n").split("\t")]
            missing = [name for name in required if name not in header]
            if missing:
                found = ", ".join(n for n in header if n) or "nothing"
                problem = f"{path}:1: header: missing column(s) {', '.join(missing)} (found: {found})"
                raise ReviewFileError(path, [problem])
            for number, line in enumerate(handle, start=2):
                values = line.rstrip("\r\n").split("\t")
                if not any(v.strip() for v in values):
                    continue
                if len(values) > len(header):
                    yield number, {"": f"{len(values)} fields, the header has {len(header)}"}
                    continue
                yield number, dict(zip(header, values + [""] * (len(header) - len(values)), strict=True))
    except UnicodeDecodeError as error:
        raise ReviewFileError(path, [f"{path}: not UTF-8 text (byte {error.start})"]) from error


def _common(path: Path, line: int, row: dict[str, str], seen: set[str], problems: list[str]) -> bool:
    where = f"{path}:{line}"
    if "" in row:
        problems.append(f"{where}: {row['']}")
        return False
    review_id, text = row["review_id"].strip(), row["text"].strip()
    if not review_id:
        problems.append(f"{where}: review_id: empty")
    elif review_id in seen:
        problems.append(f"{where}: review_id: {review_id!r} appears twice")
    if not text:
        problems.append(f"{where}: text: empty")
    seen.add(review_id)
    return bool(review_id and text)


def _rating(value: str) -> int | None:
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return int(number) if number.is_integer() and 1 <= number <= 5 else None


def read_training_reviews(path: Path) -> list[ReviewExample]:
    """Every review of a training file; ReviewFileError listing the first problems."""
    examples: list[ReviewExample] = []
    problems: list[str] = []
    seen: set[str] = set()
    for line, row in _rows(path, ("review_id", "text", "rating")):
        ok = _common(path, line, row, seen, problems)
        rating = _rating(row.get("rating", ""))
        if "" not in row and rating is None:
            problems.append(f"{path}:{line}: rating: {row['rating']!r} is not a whole number from 1 to 5")
        if ok and rating is not None:
            examples.append(ReviewExample(row["review_id"].strip(), row["text"].strip(), rating,
                                          row.get("product_id", "").strip() or None,
                                          row.get("language", "").strip() or None))  # fmt: skip
    _raise_if_any(path, problems)
    if not examples:
        raise ReviewFileError(path, [f"{path}: no reviews"])
    return examples


def read_review_texts(path: Path) -> list[ReviewText]:
    """Every review of a file to score (`review_id, text`, optional `language`)."""
    texts: list[ReviewText] = []
    problems: list[str] = []
    seen: set[str] = set()
    for line, row in _rows(path, ("review_id", "text")):
        if _common(path, line, row, seen, problems):
            texts.append(ReviewText(row["review_id"].strip(), row["text"].strip(),
                                    row.get("language", "").strip() or None))  # fmt: skip
    _raise_if_any(path, problems)
    return texts


def _raise_if_any(path: Path, problems: list[str]) -> None:
    if problems:
        raise ReviewFileError(path, problems[:MAX_PROBLEMS], len(problems))


def write_predictions(path: Path, review_ids: Sequence[str], predictions: Sequence[Sentiment]) -> None:
    """`review_id, label, score` (score: the probability of the label, 4 decimals)."""
    if len(review_ids) != len(predictions):
        raise ValueError(f"{len(review_ids)} reviews but {len(predictions)} predictions")
    with path.open("w", encoding="utf-8") as handle:
        handle.write("review_id\tlabel\tscore\n")
        for review_id, prediction in zip(review_ids, predictions, strict=True):
            handle.write(f"{review_id}\t{prediction.label}\t{prediction.score:.4f}\n")
