"""The layer table of DESIGN §2, checked on the source: every import arrow points down.

    domain <- projections <- adapters / streams <- api <- cli

An import scan over every module (imports inside functions and TYPE_CHECKING blocks
included), so a wrong-way arrow fails here the day it is written.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Which of our top-level packages each package may import (besides itself).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "domain": frozenset(),
    "projections": frozenset({"domain"}),
    "adapters": frozenset({"domain"}),
    "devtools": frozenset({"adapters", "domain"}),
    "streams": frozenset({"domain", "projections", "adapters"}),
    "api": frozenset({"domain", "projections", "streams"}),
    "replay": frozenset({"domain", "projections", "adapters", "streams"}),
    "cli": frozenset({"domain", "projections", "adapters", "streams", "api", "replay",
                      "devtools"}),
}
OURS = frozenset(MAY_IMPORT)


def imported_packages(path: Path) -> set[tuple[str, int]]:
    """Our top-level packages that a module imports, with the line of each import."""
    found: set[tuple[str, int]] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {(n.split(".")[0], node.lineno) for n in names if n.split(".")[0] in OURS}
    return found


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {p: set() for p in OURS}
    for package in OURS:
        for path in (ROOT / package).rglob("*.py"):
            graph[package] |= {p for p, _ in imported_packages(path) if p != package}
    return graph


def test_imports_when_the_source_is_scanned_then_every_arrow_points_down_the_layer_table() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for package in sorted(OURS)
        for path in sorted((ROOT / package).rglob("*.py"))
        for target, line in sorted(imported_packages(path))
        if target != package and target not in MAY_IMPORT[package]
    ]

    assert wrong == []


def test_packages_when_their_imports_are_followed_then_no_package_reaches_itself() -> None:
    graph = package_graph()

    def reaches(start: str) -> set[str]:
        seen: set[str] = set()
        todo = list(graph[start])
        while todo:
            p = todo.pop()
            if p not in seen:
                seen.add(p)
                todo.extend(graph[p])
        return seen

    assert [p for p in sorted(OURS) if p in reaches(p)] == []


def test_layer_table_when_a_package_is_added_then_it_must_be_placed_in_the_table() -> None:
    packages = {
        p.parent.name for p in ROOT.glob("*/__init__.py")
        if p.parent.name not in {"tests", "bench", "scripts"}
    }

    assert packages == OURS
