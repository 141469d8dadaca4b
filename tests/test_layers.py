"""Dependencies point one way: every hdsim module imports only its own layer or lower ones.

The layers, lowest first (the house rule of ``docs/architecture.md``)::

    utilities -> data -> config -> state -> population -> mechanisms -> policies -> model
    -> run -> drivers -> report -> cli

Every import counts, at module level or inside a function, except those under
``if TYPE_CHECKING:`` (type-only imports). An import of a higher layer is a violation, and so
is an import cycle between modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hdsim"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("utilities", ("hdsim.utils", "hdsim.paths")),
    ("data", ("hdsim.data", "hdsim.county")),
    ("config", ("hdsim.config",)),
    ("state", ("hdsim.state",)),
    ("population", ("hdsim.population",)),
    ("mechanisms", ("hdsim.mechanisms",)),
    ("policies", ("hdsim.policies",)),
    ("model", ("hdsim.model", "hdsim.indicators")),
    ("run", ("hdsim.run",)),
    (
        "drivers",
        (
            "hdsim.ensemble",
            "hdsim.experiments",
            "hdsim.calibration",
            "hdsim.hindcast",
            "hdsim.drivers",
            "hdsim.outlook",
            "hdsim.forecast",
            "hdsim.composition",
        ),
    ),
    ("report", ("hdsim.report",)),
    ("cli", ("hdsim.cli", "hdsim.usage", "hdsim.api", "hdsim.__main__", "hdsim")),
]

# Imports that still point up (importer, imported): none; the set stays so that a temporary
# exception, if ever needed, is written down where the check reads it.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()


def layer_of(module: str) -> int:
    """Index of the layer of ``module`` (the longest matching prefix wins)."""
    best, best_len = None, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = i, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path) -> set[str]:
    """hdsim modules imported by ``path`` at run time (type-only imports excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path)
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.startswith("hdsim"))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    pkg = me.split(".")
                    if path.name != "__init__.py":
                        pkg = pkg[:-1]
                    pkg = pkg[: len(pkg) - child.level + 1]
                    base = ".".join([*pkg, base]) if base else ".".join(pkg)
                if base.startswith("hdsim"):
                    for alias in child.names:
                        sub = f"{base}.{alias.name}"
                        found.add(sub if _module_exists(sub) else base)
            visit(child)

    visit(tree)
    found.discard(me)
    return found


def _module_exists(module: str) -> bool:
    rel = Path(*module.split("."))
    return (ROOT / rel).with_suffix(".py").exists() or (ROOT / rel / "__init__.py").exists()


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_import_points_to_the_same_or_a_lower_layer() -> None:
    upward = {
        (src, dst)
        for src, targets in graph().items()
        for dst in targets
        if layer_of(dst) > layer_of(src)
    }
    new = sorted(upward - KNOWN_VIOLATIONS)
    assert not new, "imports of a higher layer:\n" + "\n".join(
        f"  {a} ({LAYERS[layer_of(a)][0]}) -> {b} ({LAYERS[layer_of(b)][0]})" for a, b in new
    )
    mended = sorted(KNOWN_VIOLATIONS - upward)
    assert not mended, f"remove these from KNOWN_VIOLATIONS, they are gone: {mended}"


def test_no_import_cycles_between_modules() -> None:
    g = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in g.get(v, ()):
            if w not in g:
                continue
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in g:
        if v not in index:
            strongconnect(v)
    assert not cycles, f"import cycles: {cycles}"
