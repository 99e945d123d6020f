"""The tree shows the architecture: the pure core imports neither Beam nor a Kafka client, and no
module of the package imports itself back through another (no import cycles)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pipelines"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module an import statement of `path` names, wherever the statement stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
# Parsed once, at collection: see tests/test_import_boundaries.py for the CPython 3.11 parser bug
# (gh-106905) that parsing later, among leftover threads, ran into.
IMPORTS = {name: _imports(path) for name, path in MODULES.items()}
GRAPH = {name: {m for m in IMPORTS[name] if m in MODULES and m != name} for name in MODULES}


def test_core_imports_neither_beam_nor_kafka() -> None:
    offenders = {
        name: sorted(m for m in IMPORTS[name] if m.split(".")[0] in {"apache_beam", "kafka"})
        for name in MODULES
        if name.startswith("pipelines.core")
    }
    assert not {k: v for k, v in offenders.items() if v}, "core/ must stay pure"


def test_core_depends_only_on_core_and_config() -> None:
    allowed = ("pipelines.core", "pipelines.config", "pipelines.versions")
    outside = {
        name: sorted(m for m in deps if not m.startswith(allowed) and m != "pipelines")
        for name, deps in GRAPH.items()
        if name.startswith("pipelines.core")
    }
    assert not {k: v for k, v in outside.items() if v}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. import cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    # A package's __init__ re-exporting its own submodules is not a cycle of the architecture.
    cycles = [c for c in _cycles() if not any(all(m == p or m.startswith(p + ".") for m in c) for p in c)]
    assert not cycles, cycles


def test_the_cycle_finder_finds_a_cycle() -> None:
    GRAPH["pipelines.test_a"], GRAPH["pipelines.test_b"] = {"pipelines.test_b"}, {"pipelines.test_a"}
    try:
        assert ["pipelines.test_a", "pipelines.test_b"] in _cycles()
    finally:
        del GRAPH["pipelines.test_a"], GRAPH["pipelines.test_b"]


def test_tests_read_nothing_above_the_repository() -> None:
    root = PACKAGE.parent
    above = (".parent.parent.parent", "parents[2]", "parents[3]")
    readers = [p.name for p in (root / "tests").glob("*.py")
               if p.name != Path(__file__).name and any(a in p.read_text() for a in above)]
    assert readers == [], "tests must read their data from tests/data"
