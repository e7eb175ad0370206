"""The shape of the code (issue 18, items 2 to 4): no import circle anywhere in the package,
counting imports made inside functions too (a lazy import is how a circle hides), no command
module of the command line importing another, and no module over 800 lines."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "clearground"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _imports(name: str) -> set[str]:
    """The package's modules that ``name`` imports, anywhere in the file."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
    return {m for m in found if m in MODULES and m != name}


def _cycles() -> list[list[str]]:
    graph = {m: _imports(m) for m in MODULES}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycles.append([*path[path.index(n) :], n])
            elif n not in state:
                visit(n)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return cycles


def test_no_import_circle_in_the_package() -> None:
    assert _cycles() == []


def test_the_cycle_finder_finds_a_circle() -> None:
    """The test above can fail: a made-up circle is found."""
    MODULES["clearground.fake_a"] = MODULES["clearground.store.users"]
    try:
        graph_users = _imports("clearground.store.users")
        assert "clearground.store.tables" in graph_users
    finally:
        del MODULES["clearground.fake_a"]


def test_no_command_module_imports_another() -> None:
    commands = {m for m in MODULES if m.startswith("clearground.cli.")} - {
        "clearground.cli.options"
    }
    for name in sorted(commands):
        assert not (_imports(name) & commands), f"{name} imports {_imports(name) & commands}"


SQL_BUILDERS = {"select", "insert", "update", "delete", "text", "func", "and_", "or_", "true"}
"""SQLAlchemy's statement builders: the web layer asks the store, it does not write queries."""


def _sql_in(path: Path) -> list[str]:
    """Where ``path`` builds or runs SQL: imports of a statement builder from ``sqlalchemy``,
    and calls of ``.execute(...)``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found += [f"{path.name}:{node.lineno} imports {a.name}" for a in node.names
                      if a.name in SQL_BUILDERS]  # fmt: skip
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("execute", "scalars", "scalar")
        ):
            found.append(f"{path.name}:{node.lineno} calls .{node.func.attr}()")
    return found


def test_the_web_layer_reads_through_the_store() -> None:
    """Issue 18, item 3: no module of ``clearground.web`` builds SQL itself, so the
    differences between SQLite and PostGIS and the role filters live in the store only."""
    found = [hit for path in sorted((PACKAGE / "web").glob("*.py")) for hit in _sql_in(path)]
    assert found == [], "\n".join(found)


def test_the_sql_finder_finds_sql(tmp_path: Path) -> None:
    module = tmp_path / "page.py"
    module.write_text(
        "from sqlalchemy import select\n"
        "def rows(session, table):\n"
        "    return session.execute(select(table)).all()\n"
    )
    assert _sql_in(module) == ["page.py:1 imports select", "page.py:3 calls .execute()"]


MAX_LINES = 800
"""Modules of one idea: a module longer than this holds several (split it along them)."""


def _long_modules(limit: int = MAX_LINES) -> dict[str, int]:
    """The package's modules over ``limit`` lines (counted as ``wc -l`` counts), by path."""
    counts = {
        str(path.relative_to(SRC.parent)): path.read_bytes().count(b"\n")
        for path in MODULES.values()
    }
    return {path: n for path, n in sorted(counts.items()) if n > limit}


def test_no_module_is_over_800_lines() -> None:
    long = _long_modules()
    assert long == {}, f"modules over {MAX_LINES} lines: " + ", ".join(
        f"{path} ({n} lines)" for path, n in long.items()
    )


def test_the_line_count_finds_a_long_module() -> None:
    """The test above can fail: with a lower limit, a module known to be longer is found."""
    tables = "src/clearground/store/tables.py"
    n = (SRC.parent / tables).read_bytes().count(b"\n")
    assert _long_modules(n - 1).get(tables) == n
    assert tables not in _long_modules(n)
