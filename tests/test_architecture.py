"""The map of the package, enforced: which layer may import what (standard library only).

    app  (CLI, generate, batch, check; may import every layer; Jinja2 and pandas live here)
      │
    io · writer · addin  (each imports core and its own third-party library, never each other)
      │
    core  (standard library only, no I/O; what xlwings Lite vendors)

Every module's AST is walked, imports inside functions and under ``TYPE_CHECKING`` included,
so a lazy import cannot hide an edge. A failure names the offending edge, with file and line.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kpi_xl"

LAYERS = ("core", "io", "writer", "addin", "app")
#: Which kpi_xl layers each layer may import (besides itself).
ALLOWED_LAYERS = {
    "core": set(),
    "io": {"core"},
    "writer": {"core"},
    "addin": {"core"},
    "app": {"core", "io", "writer", "addin"},
    # The package root: kpi_xl/__init__.py (the version, nothing else) and __main__.py.
    "root": {"app"},
}
#: Each third-party library belongs to exactly one layer.
THIRD_PARTY = {
    "openpyxl": "io",
    "defusedxml": "io",
    "xlsxwriter": "writer",
    "xlwings": "addin",
    "jinja2": "app",
    "pandas": "app",
    "tqdm": "app",
}


@dataclass(frozen=True)
class Edge:
    """One import statement: ``source`` (a kpi_xl module) imports ``target`` at ``line``."""

    source: str
    target: str
    line: int
    path: Path

    def __str__(self) -> str:
        return (f"{self.source} imports {self.target} "
                f"({self.path.relative_to(PACKAGE.parent)}:{self.line})")


def module_name(path: Path) -> str:
    """``kpi_xl/core/funnel.py`` → ``kpi_xl.core.funnel``; packages by their ``__init__``."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """Every module of the package by its dotted name."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> str:
    """``kpi_xl.writer.book`` → ``writer``; the package root and ``__main__`` → ``root``."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return "root"


def _resolve(name: str, known: dict[str, Path]) -> str:
    """The kpi_xl module an import names: ``kpi_xl.core.funnel.stage_expr`` → ``kpi_xl.core.funnel``."""
    while name not in known and "." in name:
        name = name.rpartition(".")[0]
    return name


def imports(module: str, path: Path, known: dict[str, Path]) -> Iterator[Edge]:
    """Every import in a module's source, at any depth (functions, ``if TYPE_CHECKING``...)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Edge(module, alias.name, node.lineno, path)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            if base.split(".")[0] != "kpi_xl":
                yield Edge(module, base, node.lineno, path)
                continue
            for alias in node.names:  # "from kpi_xl.core import funnel" imports a module
                full = f"{base}.{alias.name}"
                yield Edge(module, full if full in known else _resolve(base, known),
                           node.lineno, path)


def all_edges() -> list[Edge]:
    """Every import of every kpi_xl module."""
    known = modules()
    return [edge for name, path in known.items() for edge in imports(name, path, known)]


def wrong_way_edges(edges: list[Edge]) -> list[str]:
    """Edges that break a layer rule, each explained."""
    known = modules()
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    problems = []
    for edge in edges:
        top = edge.target.split(".")[0]
        source_layer = layer_of(edge.source)
        if top == "kpi_xl":
            target = _resolve(edge.target, known)
            target_layer = layer_of(target)
            if target_layer == source_layer or target == "kpi_xl":
                continue
            if target_layer not in ALLOWED_LAYERS[source_layer]:
                problems.append(f"{edge}: {source_layer} → {target_layer} is not allowed "
                                f"({source_layer} may import "
                                f"{', '.join(sorted(ALLOWED_LAYERS[source_layer])) or 'only the standard library'})")
        elif top in stdlib:
            continue
        else:
            owner = THIRD_PARTY.get(top)
            if owner is None:
                problems.append(f"{edge}: {top} is not a known dependency; give it a layer in "
                                f"THIRD_PARTY")
            elif owner != source_layer:
                problems.append(f"{edge}: {top} belongs to the {owner} layer, not "
                                f"{source_layer}")
    return problems


def cycles(edges: list[Edge]) -> list[list[str]]:
    """Strongly connected groups of kpi_xl modules that import each other (Tarjan)."""
    known = modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    for edge in edges:
        if edge.target.split(".")[0] == "kpi_xl":
            target = _resolve(edge.target, known)
            if target != edge.source and target in graph:
                graph[edge.source].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_import_follows_the_layer_rules() -> None:
    problems = wrong_way_edges(all_edges())
    assert not problems, "wrong-way imports:\n  " + "\n  ".join(problems)


def test_no_import_cycles_among_kpi_xl_modules() -> None:
    found = cycles(all_edges())
    assert not found, "import cycles:\n  " + "\n  ".join(" ↔ ".join(c) for c in found)


def test_each_third_party_library_is_imported_in_its_layer_only() -> None:
    users: dict[str, set[str]] = {}
    for edge in all_edges():
        top = edge.target.split(".")[0]
        if top in THIRD_PARTY:
            users.setdefault(top, set()).add(layer_of(edge.source))
    assert {lib: layers for lib, layers in users.items() if len(layers) > 1} == {}


@pytest.mark.parametrize(("source", "line", "expected"), [
    ("kpi_xl.writer.planted", "from kpi_xl.addin import udfs", "writer → addin is not allowed"),
    ("kpi_xl.core.planted", "import openpyxl", "openpyxl belongs to the io layer, not core"),
    ("kpi_xl.io.planted", "def f():\n    from kpi_xl.writer.book import BookWriter",
     "io → writer is not allowed"),
    ("kpi_xl.core.planted", "from kpi_xl.app.cli import main", "core → app is not allowed"),
    ("kpi_xl.addin.planted", "import requests", "requests is not a known dependency"),
])
def test_a_planted_wrong_way_import_is_named(tmp_path: Path, source: str, line: str,
                                             expected: str) -> None:
    path = PACKAGE.joinpath(*source.split(".")[1:]).with_suffix(".py")
    planted = tmp_path / path.name
    planted.write_text(line + "\n", encoding="utf-8")
    edges = [Edge(source, e.target, e.line, path) for e in imports(source, planted, modules())]
    problems = wrong_way_edges(edges)
    assert len(problems) == 1 and expected in problems[0], problems
    assert problems[0].startswith(f"{source} imports "), problems


def test_a_planted_cycle_is_named() -> None:
    known = modules()
    a, b = "kpi_xl.core.funnel", "kpi_xl.core.expr"
    edges = [*all_edges(), Edge(b, a, 1, known[b])]
    assert [a, b] in [sorted(c) for c in cycles(edges)] or any(
        {a, b} <= set(c) for c in cycles(edges))
