"""The shape of the code: no import cycle among the packages, and one door into the store.

Both read the imports from the AST of every module under src/newswatch (imports inside
functions included: a lazy import hides a cycle, it does not remove it).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "newswatch"
BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def imported(path: Path) -> Iterator[tuple[str, tuple[str, ...]]]:
    """``(module, names)`` for every import in the file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ["newswatch", *path.relative_to(SRC).parent.parts] if path.is_relative_to(SRC) else []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            yield module, tuple(alias.name for alias in node.names)


def part(module: str) -> str | None:
    """The top-level package (or module) of newswatch that ``module`` belongs to."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 and pieces[0] == "newswatch" else None


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        source = rel.parts[0].removesuffix(".py")
        graph.setdefault(source, set())
        for module, names in imported(path):
            targets = {part(module)}
            if module == "newswatch":  # from newswatch import store
                targets = set(names)
            for target in targets - {None, source}:
                assert target is not None
                graph[source].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_cycle_finder_finds_a_cycle_and_accepts_a_dag() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_among_the_packages() -> None:
    graph = package_graph()
    assert {"store", "check", "extract", "fetch"} <= set(graph)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_only_the_store_package_itself_is_imported_from_outside() -> None:
    """``open_store`` is the door: no caller imports a backend, its schema or internals."""
    store = SRC / "store"
    submodules = {p.stem for p in store.iterdir() if p.suffix == ".py" or p.is_dir()}
    offenders: list[str] = []
    files = [p for p in SRC.rglob("*.py") if not p.is_relative_to(store)]
    for path in [*files, *BENCHMARKS.rglob("*.py")]:
        for module, names in imported(path):
            inner = module.startswith("newswatch.store.")
            named = module == "newswatch.store" and bool(submodules & set(names))
            if inner or named:
                offenders.append(f"{path.name}: {module} {names}")
    assert offenders == []


def test_every_configured_kind_has_its_plugin() -> None:
    """Alert channel kinds and discovery kinds: the configuration's models and the
    registries that build them name the same kinds, and routing asks for what config allows."""
    from newswatch.alerts.registry import CHANNEL_KINDS
    from newswatch.config.alerts import ALERT_KINDS
    from newswatch.config.alerts import ALL_KINDS as CONFIG_KINDS
    from newswatch.config.sources import SOURCE_KINDS
    from newswatch.discover.kinds import DISCOVERY_KINDS
    from newswatch.judge.routing import ALL_KINDS

    assert set(CHANNEL_KINDS) == set(ALERT_KINDS)
    assert ALL_KINDS == CONFIG_KINDS
    assert set(DISCOVERY_KINDS) == set(SOURCE_KINDS) - {"article"}
