"""The import graph of ``bulkio/`` has no cycle outside ``bulkio/sandbox/`` (issue 13).

Every import counts — at the top of a module and inside functions alike (an import moved into
a function to dodge a cycle still ties the two modules together). ``if TYPE_CHECKING:``
imports are left out: they never run. The root package ``bulkio`` is left out too: it is the
library's façade (``__version__``, and ``run_import`` / ``apply_plan`` re-exported from
:mod:`bulkio.engine` on first use), which modules such as the store client read
``__version__`` from.
"""

from __future__ import annotations

import ast
from pathlib import Path

import bulkio

PACKAGE_DIR = Path(bulkio.__file__).parent
EXCLUDED = ("bulkio.sandbox",)
FACADE = "bulkio"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_block(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_modules(source: str, name: str, modules: set[str], *, package: bool) -> set[str]:
    """The bulkio modules the module ``name`` (its ``source`` text) imports; ``from pkg import
    x`` counts ``pkg.x`` when that is a module, else ``pkg``."""
    anchor_package = name if package else name.rpartition(".")[0]
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if _type_checking_block(node):
            skipped.update(id(child) for child in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = anchor_package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in modules else base)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE_DIR.rglob("*.py")}
    modules = set(paths)
    modules.discard(FACADE)
    return {
        name: imported_modules(
            path.read_text(encoding="utf-8"), name, modules, package=path.name == "__init__.py"
        )
        for name, path in paths.items()
        if not name.startswith(EXCLUDED) and name != FACADE
    }


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_graph_finds_a_cycle_when_there_is_one() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_function_level_and_relative_imports_are_edges() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "import bulkio.w\n"
        "if TYPE_CHECKING:\n    import bulkio.x\n"
        "def f():\n    from bulkio.y import thing\n    from . import z\n"
    )
    modules = {"bulkio.w", "bulkio.x", "bulkio.y", "bulkio.z", "bulkio.m"}
    found = imported_modules(source, "bulkio.m", modules, package=False)
    assert found == {"bulkio.w", "bulkio.y", "bulkio.z"}


def test_no_import_cycle_outside_the_sandbox() -> None:
    cycles = find_cycles(import_graph())
    assert cycles == [], "import cycles (top-level and function-level imports): " + "; ".join(
        " ↔ ".join(cycle) for cycle in cycles
    )
