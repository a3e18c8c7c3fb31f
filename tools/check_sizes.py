"""Size rule of the code base: no function over 60 lines, no module over 400 lines.

Usage: ``python tools/check_sizes.py pipeline schemas`` prints each offender and exits 1 if there
is one. A function counts from its first decorator (or ``def``) to its last line. A data table
(a module-level constant) is not a function and is not limited; a module that is mostly data
may be exempted by listing it in ``DATA_MODULES`` with the reason.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400
DATA_MODULES: dict[str, str] = {}
"""Modules exempt from the module limit (path -> why); none today."""


def offenders(root: Path) -> list[str]:
    """Every function and module under ``root`` over its limit, one line each."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES and str(path) not in DATA_MODULES:
            found.append(f"{path}: module of {lines} lines (limit {MAX_MODULE_LINES}): split it")
        for node in ast.walk(ast.parse(source, filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
                start = min([d.lineno for d in node.decorator_list] + [node.lineno])
                length = node.end_lineno - start + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{path}:{node.lineno}: {node.name} has {length} lines "
                                 f"(limit {MAX_FUNCTION_LINES}): split it")
    return found


def main(argv: list[str]) -> int:
    """Check the folders named in ``argv``; 1 if anything is over its limit."""
    found = [line for folder in argv for line in offenders(Path(folder))]
    for line in found:
        sys.stderr.write(line + "\n")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
