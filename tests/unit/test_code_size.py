"""tools/code_size.py finds long modules and functions; the whole package, and the packages of the
layout redesign (cli, bench, demo, simulate, query/suggest), stay within the style guide's sizes:
no module over 500 lines, no function over 60 without a `# long:` reason beside it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_SPEC = importlib.util.spec_from_file_location("code_size", ROOT / "tools" / "code_size.py")
assert _SPEC is not None and _SPEC.loader is not None
code_size = importlib.util.module_from_spec(_SPEC)
sys.modules.setdefault("code_size", code_size)  # dataclasses look their module up there
_SPEC.loader.exec_module(code_size)


def _function(name: str, body_lines: int, comment: str = "") -> str:
    return f"def {name}() -> None:{comment}\n" + "    x = 1\n" * body_lines + "\n"


def test_it_reports_long_functions_with_and_without_a_reason(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        _function("short", 59)
        + _function("long_one", 70)
        + "class Box:\n"
        + "".join("    " + line + "\n" for line in _function("method", 61).splitlines())
        + _function("explained", 80, "  # long: one table of options"),
        encoding="utf-8",
    )
    found = {f.name: f for f in code_size.long_functions(tmp_path, 60)}
    assert set(found) == {"long_one", "Box.method", "explained"}
    assert found["long_one"].lines == 71 and found["long_one"].reason == ""
    assert found["explained"].reason == "one table of options"


def test_it_reports_long_modules(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text("x = 1\n" * 501, encoding="utf-8")
    (tmp_path / "small.py").write_text("x = 1\n" * 500, encoding="utf-8")
    assert [(m.path.name, m.lines) for m in code_size.long_modules(tmp_path, 500)] == [("big.py", 501)]


def test_no_module_of_the_package_is_over_500_lines() -> None:
    root = ROOT / "shelfwise"
    assert [f"{m.path.relative_to(root)} {m.lines}" for m in code_size.long_modules(root)] == []


def test_no_function_of_the_package_is_over_60_lines_without_a_reason() -> None:
    root = ROOT / "shelfwise"
    over = [
        f"{f.path.relative_to(root)} {f.name} {f.lines}"
        for f in code_size.long_functions(root)
        if not f.reason
    ]
    assert over == []
