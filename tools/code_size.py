"""Modules and functions over the style guide's sizes (modules <= 500 lines, functions <= 60).

    python tools/code_size.py                 # shelfwise/, the default limits
    python tools/code_size.py shelfwise/cli --module-lines 500 --function-lines 60

A function's length runs from its first decorator to its last line. A function may stay longer
when a comment on its `def` line (or the line above it) says why, with the word `long:`, e.g.
`# long: one table of options`; those are listed apart and not counted as over.
"""

from __future__ import annotations

import argparse
import ast
from dataclasses import dataclass
from pathlib import Path

MODULE_LINES = 500
FUNCTION_LINES = 60
REASON_MARK = "long:"


@dataclass(frozen=True)
class Oversize:
    path: Path
    name: str  # "" for a module
    lines: int
    line: int  # where it starts
    reason: str = ""


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def long_modules(root: Path, limit: int = MODULE_LINES) -> list[Oversize]:
    """Modules of more than `limit` lines, longest first."""
    found = []
    for path in python_files(root):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found.append(Oversize(path, "", lines, 1))
    return sorted(found, key=lambda o: -o.lines)


def long_functions(root: Path, limit: int = FUNCTION_LINES) -> list[Oversize]:
    """Functions and methods of more than `limit` lines, longest first; `reason` holds the
    `long:` comment that explains one (empty when none)."""
    found = []
    for path in python_files(root):
        text = path.read_text(encoding="utf-8")
        source = text.splitlines()
        for name, node in _functions(ast.parse(text, filename=str(path))):
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            lines = (node.end_lineno or node.lineno) - start + 1
            if lines > limit:
                found.append(Oversize(path, name, lines, start, _reason(source, node.lineno)))
    return sorted(found, key=lambda o: -o.lines)


def _reason(source: list[str], def_line: int) -> str:
    for text in (source[def_line - 1], source[def_line - 2] if def_line > 1 else ""):
        if REASON_MARK in text and "#" in text:
            return text.split(REASON_MARK, 1)[1].strip()
    return ""


def _functions(node: ast.AST, prefix: str = "") -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Every function under `node` with its qualified name (`Class.method`, `outer.inner`)."""
    found: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append((prefix + child.name, child))
            found.extend(_functions(child, f"{prefix}{child.name}."))
        elif isinstance(child, ast.ClassDef):
            found.extend(_functions(child, f"{prefix}{child.name}."))
        else:
            found.extend(_functions(child, prefix))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default="shelfwise", type=Path)
    parser.add_argument("--module-lines", type=int, default=MODULE_LINES)
    parser.add_argument("--function-lines", type=int, default=FUNCTION_LINES)
    args = parser.parse_args(argv)
    modules = long_modules(args.root, args.module_lines)
    functions = long_functions(args.root, args.function_lines)
    over = [f for f in functions if not f.reason]
    print(f"modules over {args.module_lines} lines: {len(modules)}")
    for m in modules:
        print(f"  {m.lines:5d}  {m.path}")
    print(f"functions over {args.function_lines} lines without a `{REASON_MARK}` reason: {len(over)}")
    for f in over:
        print(f"  {f.lines:5d}  {f.path}:{f.line} {f.name}")
    explained = [f for f in functions if f.reason]
    if explained:
        print(f"longer functions with a reason: {len(explained)}")
        for f in explained:
            print(f"  {f.lines:5d}  {f.path}:{f.line} {f.name} ({f.reason})")
    return 1 if modules or over else 0


if __name__ == "__main__":
    raise SystemExit(main())
