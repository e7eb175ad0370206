"""Every package the code imports is declared in pyproject.toml (issue 22, item 8): a package
that only arrives as another's dependency can vanish with that package's next release."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported(folder: Path) -> set[str]:
    """Top-level names of every absolute import in the files under ``folder`` (lazy ones too)."""
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def _declared(group: str | None = None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return {re.split(r"[\[<>=!~ ;]", s, maxsplit=1)[0].lower().replace("_", "-") for s in specs}


def _undeclared(folder: Path, declared: set[str]) -> dict[str, list[str]]:
    dists = packages_distributions()
    out = {}
    local = {"clearground", "tests"}
    for name in sorted(_imported(folder) - set(sys.stdlib_module_names) - local):
        if name == "__future__":
            continue
        provided = [d.lower().replace("_", "-") for d in dists.get(name, [name])]
        if not declared & set(provided):
            out[name] = provided
    return out


def test_every_package_the_application_imports_is_a_declared_dependency() -> None:
    assert _undeclared(ROOT / "src" / "clearground", _declared()) == {}


def test_every_package_the_tests_import_is_declared_for_the_tests() -> None:
    declared = _declared() | _declared("test")
    assert _undeclared(ROOT / "tests", declared) == {}


def test_installed_packages_have_their_requirements() -> None:
    """``pip check``: no installed package lacks a requirement or holds a wrong version."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_sqlite_path_does_not_load_the_postgresql_driver() -> None:
    code = (
        "import sys; import clearground.store.repository, clearground.store.database, "
        "clearground.intake.importer, clearground.web.app; print('psycopg' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"
