"""Files of the next-item recommendation benchmark: interaction sequences, item texts, held-out
truth and prediction lists, and the leave-last-out split.

    sequences.tsv    user_id <TAB> items           items: space-separated item ids, oldest first
    items.tsv        item_id <TAB> text [<TAB> brand <TAB> category <TAB> also_buy <TAB> also_view]
    truth.tsv        user_id <TAB> item_id         each evaluated user's held-out next item
    predictions.jsonl  {"user_id": "u1", "items": ["i7", "i3", ...]}   one user a line, best first

TSV files follow `shelfwise.evaluate.tables`: header first, fields split on TAB, no quoting, a
UTF-8 BOM and CRLF line endings tolerated, empty lines skipped, errors read `path:line: reason`.
Item ids can hold no whitespace (sequences separate them by spaces); an item may occur more than
once in a sequence (a repeat purchase) and is kept as often as it occurs.

The item file's metadata columns are optional, each on its own (any subset, in any order, among
other ignored columns): `brand` and `category` are free text (one category string per item, a
full path such as `Gift Cards > Restaurants` if the shop has one: equal strings are one leaf),
`also_buy` and `also_view` the ids of linked items separated by single spaces (an id listed that
is not in the file is allowed and ignored by the graph channel; a comma inside the field is an
error, since ids are space-separated). Empty fields mean "not known". `read_items_tsv` reads
the texts only, so files with and without metadata work everywhere.

A prediction list names distinct items: an item repeated within one line is an error, as are a
user listed twice, invalid JSON and wrong field types.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from pydantic import BaseModel

from shelfwise.evaluate.tables import FormatError, iter_tsv

if TYPE_CHECKING:  # the recommend package imports torch: only the reader below needs it
    from shelfwise.recommend.channel import ItemInfo

__all__ = [
    "ITEM_COLUMNS",
    "ITEM_METADATA_COLUMNS",
    "SEQUENCE_COLUMNS",
    "Holdout",
    "HoldoutSummary",
    "column_names",
    "leave_last_out",
    "read_item_metadata_tsv",
    "read_items_tsv",
    "read_predictions_jsonl",
    "read_sequences_tsv",
    "read_truth_tsv",
    "write_holdout",
    "write_predictions_jsonl",
    "write_sequences_tsv",
    "write_truth_tsv",
]

OnProblem = Callable[[FormatError], None]
SEQUENCE_COLUMNS = ("user_id", "items")
ITEM_COLUMNS = ("item_id", "text")
ITEM_METADATA_COLUMNS = ("brand", "category", "also_buy", "also_view")


class Holdout(NamedTuple):
    """The leave-last-out split: training prefixes of every user, held-out last items of some."""

    train: dict[str, list[str]]
    truth: dict[str, str]


class HoldoutSummary(BaseModel):
    """What `write_holdout` read and wrote."""

    users: int
    users_evaluated: int
    users_too_short: int
    """users with fewer than min_length items: whole sequence kept for training, not evaluated"""
    train_interactions: int
    rows_skipped: int
    min_length: int
    sequences: str
    truth: str


# --- reading ---------------------------------------------------------------------------------


def column_names(columns: Mapping[str, str] | None, canonical: Sequence[str]) -> list[str]:
    """The file's own names of the `canonical` columns under a `{canonical: name}` mapping."""
    mapping = dict(columns or {})
    unknown = sorted(set(mapping) - set(canonical))
    if unknown:
        raise ValueError(
            f"unknown column name(s) in mapping: {', '.join(unknown)}; "
            f"expected some of: {', '.join(canonical)}"
        )
    return [mapping.get(name, name) for name in canonical]


def _data_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Non-empty lines with their 1-based numbers, line endings removed, BOM dropped."""
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.rstrip("\n").rstrip("\r")
            if text:
                yield number, text


def _column_index(path: Path, header: list[str], name: str, canonical: str) -> int:
    if header.count(name) > 1:
        raise FormatError(path, 1, f"column '{name}' appears twice in the header")
    if name not in header:
        via = f" (for '{canonical}')" if name != canonical else ""
        raise FormatError(path, 1, f"missing column '{name}'{via}; header has: {', '.join(header)}")
    return header.index(name)


def _sequence_row(
    path: Path, number: int, values: list[str], n_fields: int, user_at: int, items_at: int
) -> tuple[str, list[str]]:
    if len(values) != n_fields:
        raise FormatError(path, number, f"expected {n_fields} tab-separated fields, found {len(values)}")
    user_id = values[user_at].strip()
    if not user_id:
        raise FormatError(path, number, "empty user_id")
    items = values[items_at].split()
    if not items:
        raise FormatError(path, number, f"empty items for user '{user_id}'")
    return user_id, items


def read_sequences_tsv(
    path: str | Path,
    user_column: str = "user_id",
    items_column: str = "items",
    *,
    on_problem: OnProblem | None = None,
) -> dict[str, list[str]]:
    """Each user's items, oldest first, in file order.

    A bad row (wrong field count, empty user id, no items, a user id seen before) raises a
    `FormatError` naming file and line, unless `on_problem` is given: then the row is passed
    over, its error handed to `on_problem`, and the first row of a repeated user is kept. A
    missing column or an empty file always raises.
    """
    path = Path(path)
    lines = _data_lines(path)
    first = next(lines, None)
    if first is None:
        raise FormatError(path, 1, "empty file: expected a header line")
    header = [name.strip() for name in first[1].split("\t")]
    user_at = _column_index(path, header, user_column, "user_id")
    items_at = _column_index(path, header, items_column, "items")
    sequences: dict[str, list[str]] = {}
    first_seen: dict[str, int] = {}
    for number, text in lines:
        try:
            user_id, items = _sequence_row(path, number, text.split("\t"), len(header), user_at, items_at)
            if user_id in first_seen:
                raise FormatError(
                    path, number, f"duplicate user_id '{user_id}' (first at line {first_seen[user_id]})"
                )
        except FormatError as problem:
            if on_problem is None:
                raise
            on_problem(problem)
            continue
        first_seen[user_id] = number
        sequences[user_id] = items
    return sequences


def read_items_tsv(path: str | Path, id_column: str = "item_id", text_column: str = "text") -> dict[str, str]:
    """item_id -> text, in file order. Ids must be non-empty, unique and free of whitespace; an
    empty text is kept as ``""`` (the item is still in the catalog)."""
    path = Path(path)
    items: dict[str, str] = {}
    first_seen: dict[str, int] = {}
    columns = {"item_id": id_column, "text": text_column}
    for row in iter_tsv(path, ("item_id", "text"), columns):
        item_id = row.fields["item_id"]
        if not item_id:
            raise FormatError(path, row.line, "empty item_id")
        if len(item_id.split()) != 1:
            raise FormatError(path, row.line, f"item_id {item_id!r} contains whitespace")
        if item_id in first_seen:
            raise FormatError(
                path, row.line, f"duplicate item_id '{item_id}' (first at line {first_seen[item_id]})"
            )
        first_seen[item_id] = row.line
        items[item_id] = row.fields["text"]
    return items


def _links(path: Path, line: int, item_id: str, column: str, value: str) -> tuple[str, ...]:
    if "," in value:
        raise FormatError(
            path,
            line,
            f"{column} of item '{item_id}' contains a comma: list linked item ids separated by spaces",
        )
    return tuple(dict.fromkeys(other for other in value.split() if other != item_id))


def read_item_metadata_tsv(path: str | Path, id_column: str = "item_id") -> dict[str, ItemInfo]:
    """item_id -> catalog facts from the optional columns `ITEM_METADATA_COLUMNS` of an items
    file; {} when the header has none of them. Ids are checked as in `read_items_tsv`; items
    whose metadata fields are all empty are left out."""
    from shelfwise.recommend.channel import ItemInfo

    path = Path(path)
    info: dict[str, ItemInfo] = {}
    first_seen: dict[str, int] = {}
    for row in iter_tsv(path, ("item_id",), {"item_id": id_column}, keep_extra=True):
        present = [c for c in ITEM_METADATA_COLUMNS if c in row.fields]
        if not present:
            return {}
        item_id = row.fields["item_id"]
        if not item_id or len(item_id.split()) != 1:
            raise FormatError(path, row.line, f"item_id {item_id!r} is empty or contains whitespace")
        if item_id in first_seen:
            raise FormatError(
                path, row.line, f"duplicate item_id '{item_id}' (first at line {first_seen[item_id]})"
            )
        first_seen[item_id] = row.line
        fields = {c: row.fields.get(c, "").strip() for c in ITEM_METADATA_COLUMNS}
        if not any(fields.values()):
            continue
        info[item_id] = ItemInfo(
            brand=fields["brand"],
            category=fields["category"],
            also_bought=_links(path, row.line, item_id, "also_buy", fields["also_buy"]),
            also_viewed=_links(path, row.line, item_id, "also_view", fields["also_view"]),
        )
    return info


def read_truth_tsv(
    path: str | Path, user_column: str = "user_id", item_column: str = "item_id"
) -> dict[str, str]:
    """user_id -> held-out item_id. Both must be non-empty; a user listed twice is an error."""
    path = Path(path)
    truth: dict[str, str] = {}
    first_seen: dict[str, int] = {}
    for row in iter_tsv(path, ("user_id", "item_id"), {"user_id": user_column, "item_id": item_column}):
        user_id, item_id = row.fields["user_id"], row.fields["item_id"]
        if not user_id or not item_id:
            raise FormatError(path, row.line, "empty user_id or item_id")
        if user_id in first_seen:
            raise FormatError(
                path, row.line, f"duplicate user_id '{user_id}' (first at line {first_seen[user_id]})"
            )
        first_seen[user_id] = row.line
        truth[user_id] = item_id
    return truth


def _prediction(path: Path, number: int, text: str) -> tuple[str, list[str]]:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(path, number, f"invalid JSON: {error.msg}") from None
    if not isinstance(record, dict):
        raise FormatError(path, number, 'expected an object {"user_id": ..., "items": [...]}')
    user_id, items = record.get("user_id"), record.get("items")
    if not isinstance(user_id, str) or not user_id:
        raise FormatError(path, number, f"user_id must be a non-empty string, got {user_id!r}")
    if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
        raise FormatError(path, number, f"items of user '{user_id}' must be a list of non-empty strings")
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise FormatError(path, number, f"item '{item}' listed twice for user '{user_id}'")
        seen.add(item)
    return user_id, items


def read_predictions_jsonl(path: str | Path) -> dict[str, list[str]]:
    """user_id -> predicted items, best first. Other keys of a line are ignored; an empty list
    is allowed (a user the model cannot score). Every problem raises a `FormatError` with the
    line number: bad JSON, wrong types, an item listed twice in one line, a user listed twice."""
    path = Path(path)
    predictions: dict[str, list[str]] = {}
    first_seen: dict[str, int] = {}
    for number, text in _data_lines(path):
        if not text.strip():
            continue
        user_id, items = _prediction(path, number, text)
        if user_id in first_seen:
            raise FormatError(
                path, number, f"duplicate user_id '{user_id}' (first at line {first_seen[user_id]})"
            )
        first_seen[user_id] = number
        predictions[user_id] = items
    return predictions


# --- writing ---------------------------------------------------------------------------------


def _check_field(value: str, what: str) -> None:
    if not value or "\t" in value or "\n" in value or "\r" in value:
        raise ValueError(f"{what} {value!r} cannot be written to a TSV field")


def _check_item(item_id: str) -> None:
    if not item_id or len(item_id.split()) != 1 or item_id.strip() != item_id:
        raise ValueError(f"item id {item_id!r} is empty or contains whitespace")


def _write_atomically(path: Path, lines: Iterator[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(lines)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)


def write_sequences_tsv(path: str | Path, sequences: Mapping[str, Sequence[str]]) -> None:
    """Write `user_id<TAB>items`, users in the mapping's order. An empty sequence is an error (the
    reader would reject it)."""

    def lines() -> Iterator[str]:
        yield "user_id\titems\n"
        for user_id, items in sequences.items():
            _check_field(user_id, "user_id")
            if not items:
                raise ValueError(f"user '{user_id}' has no items")
            for item in items:
                _check_item(item)
            yield f"{user_id}\t{' '.join(items)}\n"

    _write_atomically(Path(path), lines())


def write_truth_tsv(path: str | Path, truth: Mapping[str, str]) -> None:
    """Write `user_id<TAB>item_id`, users in the mapping's order."""

    def lines() -> Iterator[str]:
        yield "user_id\titem_id\n"
        for user_id, item_id in truth.items():
            _check_field(user_id, "user_id")
            _check_item(item_id)
            yield f"{user_id}\t{item_id}\n"

    _write_atomically(Path(path), lines())


def write_predictions_jsonl(path: str | Path, predictions: Mapping[str, Sequence[str]]) -> None:
    """Write one `{"user_id": ..., "items": [...]}` line per user, in the mapping's order."""

    def lines() -> Iterator[str]:
        for user_id, items in predictions.items():
            if not user_id:
                raise ValueError("empty user_id")
            if len(set(items)) != len(items):
                raise ValueError(f"the items of user '{user_id}' repeat an item")
            record = {"user_id": user_id, "items": list(items)}
            yield json.dumps(record, ensure_ascii=False) + "\n"

    _write_atomically(Path(path), lines())


# --- the split -------------------------------------------------------------------------------


def leave_last_out(sequences: Mapping[str, Sequence[str]], min_length: int = 2) -> Holdout:
    """Hold out each user's last item. Users with at least `min_length` items train on the rest
    and are evaluated on it; shorter ones keep their whole sequence for training and are not
    evaluated. Every user appears in `train`, in the input's order. Pure: the input is unchanged.
    """
    if min_length < 2:
        raise ValueError(
            f"min_length must be at least 2 (a training prefix of at least one item), got {min_length}"
        )
    train: dict[str, list[str]] = {}
    truth: dict[str, str] = {}
    for user_id, items in sequences.items():
        if len(items) >= min_length:
            train[user_id] = list(items[:-1])
            truth[user_id] = items[-1]
        else:
            train[user_id] = list(items)
    return Holdout(train, truth)


def write_holdout(
    sequences_path: str | Path,
    out_sequences: str | Path,
    out_truth: str | Path,
    min_length: int = 2,
    columns: Mapping[str, str] | None = None,
    on_problem: OnProblem | None = None,
) -> HoldoutSummary:
    """Read a sequences file (`columns` maps `user_id` and `items` to its own header names),
    split it with `leave_last_out` and write both parts with the canonical column names.
    `on_problem` as in `read_sequences_tsv`."""
    user_column, items_column = column_names(columns, SEQUENCE_COLUMNS)
    skipped: list[FormatError] = []

    def note(problem: FormatError) -> None:
        skipped.append(problem)
        if on_problem is not None:
            on_problem(problem)

    sequences = read_sequences_tsv(
        sequences_path, user_column, items_column, on_problem=note if on_problem is not None else None
    )
    train, truth = leave_last_out(sequences, min_length)
    write_sequences_tsv(out_sequences, train)
    write_truth_tsv(out_truth, truth)
    return HoldoutSummary(
        users=len(train),
        users_evaluated=len(truth),
        users_too_short=len(train) - len(truth),
        train_interactions=sum(len(items) for items in train.values()),
        rows_skipped=len(skipped),
        min_length=min_length,
        sequences=str(out_sequences),
        truth=str(out_truth),
    )
