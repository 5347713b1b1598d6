"""Event files into a store: per-row errors with file, line and field; counts; idempotent re-runs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from shelfwise.catalog import FeedError
from shelfwise.events import (
    EventMapping,
    MemoryEventStore,
    SQLiteEventStore,
    format_import_report,
    import_events,
)

CSV = """event_id,type,user_id,session_id,product_id,timestamp,query,shown,rating,price,position
e1,view,u1,,p1,2024-05-01T10:00:00Z,,,,,
e2,search,,s9,,1714557600,red kettle,"p1 p2,p3",,,
e3,click,,s9,p2,1714557605,,,,,1
e4,click,,,p2,1714557606,,,,,
e5,purchase,u1,,p1,2024-05-01T10:05:00Z,,,,-4,
e6,rating,u1,,p1,soon,,,7,,
e1,view,u1,,p1,2024-05-01T10:00:00Z,,,,,
e7,add_to_cart,u2,,p3,1714557700,,,,19.99,
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_good_rows_go_in_and_bad_rows_are_reported(tmp_path: Path) -> None:
    store = MemoryEventStore()
    report = import_events(_write(tmp_path / "events.csv", CSV), store)
    assert (report.rows_read, report.accepted, report.duplicate, report.rejected) == (8, 4, 1, 3)
    assert report.error_count == 4 == len(report.errors)
    found = [(e.file, e.line, e.field, e.event_id) for e in report.errors]
    assert found == [
        ("events.csv", 5, "user_id", "e4"),
        ("events.csv", 6, "price", "e5"),
        ("events.csv", 7, "timestamp", "e6"),
        ("events.csv", 7, "rating", "e6"),
    ]
    assert report.errors[1].reason == "'-4' is negative"
    assert str(report.errors[2]).startswith("events.csv:7: field 'timestamp': 'soon' is not a time")
    stored = {s.event.event_id: s.event for s in store.iter_events()}
    assert list(stored) == ["e1", "e2", "e3", "e7"]
    assert stored["e2"].shown == ("p1", "p2", "p3")
    assert stored["e2"].actor == "session:s9"
    assert stored["e3"].position == 1
    assert report.last_seq == store.last_seq()
    text = format_import_report(report)
    assert "accepted            4" in text and "Errors (4 in 3 rejected rows, first 4 shown)" in text


def test_same_file_twice_counts_nothing_twice(tmp_path: Path) -> None:
    path = _write(tmp_path / "events.csv", CSV)
    store = SQLiteEventStore(tmp_path / "events.db")
    first = import_events(path, store, batch_size=2)
    again = import_events(path, store, batch_size=3)
    assert (first.accepted, first.duplicate) == (4, 1)
    assert (again.accepted, again.duplicate, again.rejected) == (0, 5, 3)
    assert store.count() == 4
    assert again.last_seq == first.last_seq == 4
    store.close()


def test_jsonl_with_typed_values_and_broken_lines(tmp_path: Path) -> None:
    rows = [
        {
            "event_id": "j1",
            "type": "search",
            "user_id": 7,
            "query": "mug",
            "shown": ["m1", "m2"],
            "timestamp": 1714557600,
        },
        "not json",
        {
            "event_id": "j2",
            "type": "click",
            "user_id": 7,
            "product_id": "m2",
            "timestamp": 1714557601,
            "request_id": "req-1",
            "position": 1,
            "device": "phone",
        },
        [1, 2],
        {"type": "view", "user_id": 7, "product_id": "m2", "timestamp": 1714557602},
    ]
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path = _write(tmp_path / "events.jsonl", "\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:]) + "\n")
    store = MemoryEventStore()
    report = import_events(path, store)
    assert (report.rows_read, report.accepted, report.rejected) == (5, 2, 3)
    assert [(e.line, e.field) for e in report.errors] == [(2, None), (5, None), (6, "event_id")]
    assert report.errors[0].reason.startswith("malformed JSON")
    assert report.errors[2].reason == "is required"
    assert report.ignored_columns == ["device"]
    [search, click] = [s.event for s in store.iter_events()]
    assert (search.user_id, search.shown) == ("7", ("m1", "m2"))
    assert (click.request_id, click.position) == ("req-1", 1)


def test_tsv_gzip_with_a_column_mapping(tmp_path: Path) -> None:
    text = (
        "row\tvisitorid\tevent\titemid\twhen\n"
        "1\tv1\taddtocart\ti9\t1714557600\n"
        "2\tv1\ttransaction\ti9\t1714557660\n"
    )
    path = tmp_path / "shop.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(text)
    mapping = EventMapping.from_pairs(["event_id=row", "timestamp=when", "session_id=visitorid"])
    store = MemoryEventStore()
    report = import_events(path, store, mapping)
    assert (report.format, report.accepted, report.rejected) == ("tsv", 2, 0)
    assert [(s.event.type, s.event.actor) for s in store.iter_events()] == [
        ("add_to_cart", "session:v1"),
        ("purchase", "session:v1"),
    ]


def test_a_header_without_required_columns_is_refused_before_writing(tmp_path: Path) -> None:
    path = _write(tmp_path / "clicks.csv", "id,visitor,item,time\n1,v,p,1714557600\n")
    store = MemoryEventStore()
    with pytest.raises(FeedError, match=r"no column gives type, user_id or session_id; columns are id"):
        import_events(path, store)
    assert store.count() == 0
    mapping = EventMapping.from_pairs(["type=item", "user_id=visitor", "session_id=nope"])
    report = import_events(path, store, mapping)
    assert report.warnings == ["mapped column 'nope' (for session_id) is not in the file"]
    assert report.rejected == 1  # 'p' is not an event type; the row is still read and reported


def test_unusable_files(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="unknown feed format"):
        import_events(_write(tmp_path / "events.txt", "x"), MemoryEventStore())
    with pytest.raises(FeedError, match="no such file"):
        import_events(tmp_path / "missing.csv", MemoryEventStore())


def test_errors_beyond_the_limit_are_counted_not_kept(tmp_path: Path) -> None:
    rows = "".join(f"b{i},view,u1,,p1,never,,,,,\n" for i in range(30))
    path = _write(tmp_path / "bad.csv", CSV.splitlines()[0] + "\n" + rows)
    report = import_events(path, MemoryEventStore(), max_errors=5)
    assert (report.rejected, report.error_count, len(report.errors)) == (30, 30, 5)
    assert [e.line for e in report.errors] == [2, 3, 4, 5, 6]
    assert "Errors (30 in 30 rejected rows, first 2 shown)" in format_import_report(report, max_errors=2)


def test_batches_commit_as_they_fill_and_progress_follows(tmp_path: Path) -> None:
    rows = "".join(f"n{i},view,u{i % 3},,p{i % 7},{1714557600 + i},,,,,\n" for i in range(23))
    path = _write(tmp_path / "many.csv", CSV.splitlines()[0] + "\n" + rows)
    store = MemoryEventStore()
    sizes: list[int] = []
    original = store.append
    store.append = lambda events: (sizes.append(len(events)), original(events))[1]  # type: ignore[method-assign]
    seen: list[int] = []
    report = import_events(path, store, batch_size=5, progress=seen.append)
    assert sizes == [5, 5, 5, 5, 3]
    assert seen == [5, 10, 15, 20, 23]
    assert report.accepted == 23 and store.count() == 23
