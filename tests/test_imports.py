"""No import cycles between our modules, counting imports inside functions too.

A cycle dodged with an import in a function body still ties two modules into one: neither
can be read, tested or moved without the other. Each package's folder says what its modules
may use; this keeps that true.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("dpup_workshop", "sessions", "slides", "quiz", "bench")


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Each first-party module and the first-party modules it imports, at any depth."""
    files = {
        module_name(root, path): path
        for package in PACKAGES
        for path in (root / package).rglob("*.py")
        if "migrations" not in path.parts
    }
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                found.add(base)
                # `from pkg import name` imports the submodule pkg.name when there is one.
                found.update(f"{base}.{alias.name}" for alias in node.names)
        graph[name] = {target for target in found if target in files}
        # Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
        for target in list(graph[name]):
            parts = target.split(".")
            graph[name].update(".".join(parts[:i]) for i in range(1, len(parts)))
        graph[name] &= set(files)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module, and modules that import
    themselves (a package's __init__ importing from its own submodules that import it)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_imports_in_function_bodies(tmp_path):
    (tmp_path / "sessions").mkdir()
    (tmp_path / "sessions" / "__init__.py").write_text("")
    (tmp_path / "sessions" / "a.py").write_text("from sessions import b\n")
    (tmp_path / "sessions" / "b.py").write_text("def f():\n    from sessions.a import x\n")
    for package in PACKAGES[:1] + PACKAGES[2:]:
        (tmp_path / package).mkdir()
    assert cycles(import_graph(tmp_path)) == [["sessions.a", "sessions.b"]]


def test_no_import_cycles():
    found = cycles(import_graph(REPO))
    assert not found, "Import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)
