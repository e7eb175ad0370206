"""The README and docs name only what exists (issue 20): every file path they give is in the
repository, every ``clearground`` command they show is a command of the app, and docs/CLI.md
is the reference the app itself generates."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from clearground.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TOP = ("src/", "tests/", "docs/", "scripts/", "bench/", ".ci/")
PATHLIKE = re.compile(r"^[\w.\-/]+\.(md|py|sh|yaml|yml|json|gpkg|csv|toml|html|js|txt)$")
PLACEHOLDER = re.compile(
    r"\b(KIND|FILE|DIR|NAME|ID|LAYER|PATH|URL|DB|COUNTRY|N|M|W|A|X)\b|[<>{}*]|\.\.\."
)


def _names_in(text: str) -> set[str]:
    """Backticked words that name a file of the repository (not routes like ``/docs``)."""
    out = set()
    for token in re.findall(r"`([^`\n]+)`", text):
        token = token.strip().rstrip(",.:;")
        if (
            PLACEHOLDER.search(token)
            or "://" in token
            or " " in token
            or token.startswith("/")
            or not token
        ):
            continue
        bare_doc = PATHLIKE.match(token) and token.endswith(".md")  # README.md, DESIGN.md
        if token.startswith(TOP) or (PATHLIKE.match(token) and ("/" in token or bare_doc)):
            out.add(token.split("::")[0])
    return out


def _exists(name: str, doc: Path) -> bool:
    bare = name.rstrip("/")
    candidates = [
        ROOT / bare,
        doc.parent / bare,
        ROOT / "src" / "clearground" / bare,
    ]
    return any(c.exists() for c in candidates)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_file_named_exists(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    missing = sorted(n for n in _names_in(text) if not _exists(n, doc))
    assert missing == [], f"{doc.name} names files that are not in the repository"


def _commands() -> dict[str, set[str]]:
    group: Any = typer.main.get_command(app)
    out: dict[str, set[str]] = {}
    for name, cmd in group.commands.items():
        out[name] = set(getattr(cmd, "commands", {}) or {})
    return out


COMMAND = re.compile(r"(?:^|[\s`(])clearground ([a-z][a-z-]*)(?: ([a-z][a-z|-]*))?")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_command_shown_is_a_command(doc: Path) -> None:
    commands = _commands()
    wrong = []
    for line in doc.read_text(encoding="utf-8").splitlines():
        for top, sub in COMMAND.findall(line):
            if top not in commands:
                wrong.append(f"clearground {top}")
            elif commands[top] and sub:
                wrong += [
                    f"clearground {top} {s}" for s in sub.split("|") if s not in commands[top]
                ]
    assert wrong == [], f"{doc.name} shows commands the app does not have"


def test_the_file_check_can_fail(tmp_path: Path) -> None:
    doc = tmp_path / "X.md"
    assert _names_in("see `docs/nowhere.md` and `src/clearground/cli/core.py`") == {
        "docs/nowhere.md",
        "src/clearground/cli/core.py",
    }
    assert not _exists("docs/nowhere.md", doc) and _exists("src/clearground/cli/core.py", doc)
    # the dangling reference an outside reader once met in the README
    assert not _exists(next(iter(_names_in("the design in the shared `DESIGN.md`"))), tmp_path)


def test_the_command_reference_is_current() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "cli_reference.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_the_sign_in_page_names_the_demo_users_on_the_demo_database_only(
    demo: dict[str, object], store: Any
) -> None:
    from fastapi.testclient import TestClient

    from clearground.store.database import database_url
    from clearground.web.app import create_app

    on_demo = TestClient(create_app(database_url(str(demo["db"])))).get("/signin").text
    assert 'id="signin-demo"' in on_demo
    assert "admin, officer, operator, manager, donor" in on_demo
    assert "password &#34;demo&#34;" in on_demo or 'password "demo"' in on_demo
    elsewhere = TestClient(create_app(store.url)).get("/signin").text
    assert 'id="signin-demo"' not in elsewhere and "demo" not in elsewhere.lower()
