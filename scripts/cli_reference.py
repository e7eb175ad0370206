"""Write docs/CLI.md, the command reference, from the Typer app itself.

    python scripts/cli_reference.py          # writes docs/CLI.md
    python scripts/cli_reference.py --check  # exits 1 if docs/CLI.md is not current

``tests/test_docs.py`` runs the check, so the reference cannot drift from the commands.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from clearground.cli import app

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "CLI.md"


def _option(param: Any) -> tuple[str, str]:
    names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
    argument = param.param_type_name == "argument"
    if argument:
        names = f"`{(param.metavar or param.name or '').upper()}`"
    help_text = " ".join((getattr(param, "help", None) or "").split())
    default = getattr(param, "default", None)
    flag = getattr(param, "is_flag", False)
    shown = not argument and not flag and default not in (None, "", ())
    if shown:
        help_text += f" (default: `{default}`)"
    if param.required:
        help_text += " (required)"
    return names, help_text.replace("|", "\\|")


def _command(name: str, cmd: Any, parent: str) -> list[str]:
    full = f"{parent} {name}".strip()
    if hasattr(cmd, "commands"):
        out = [f"## `clearground {full}`", "", (cmd.help or "").strip(), ""]
        for sub in sorted(cmd.commands):
            out += _command(sub, cmd.commands[sub], full)
        return out
    ctx = cmd.context_class(cmd, info_name=f"clearground {full}")
    usage = " ".join(cmd.collect_usage_pieces(ctx))
    doc = " ".join((cmd.help or "").split())
    out = [f"{'###' if parent else '##'} `clearground {full}`", "", doc, ""]
    out += ["```", f"clearground {full} {usage}".rstrip(), "```", ""]
    params = [p for p in cmd.params if p.name != "help"]
    if params:
        out += ["| argument or option | what |", "| --- | --- |"]
        out += [f"| {n} | {h} |" for n, h in map(_option, params)]
        out.append("")
    return out


def reference() -> str:
    group: Any = typer.main.get_command(app)
    lines = [
        "# Command reference",
        "",
        "Generated from the command line itself by `scripts/cli_reference.py`; a test fails",
        "when it is not current. Every command takes `--help`. `--db` is a SQLite file path or",
        "a SQLAlchemy URL (`postgresql+psycopg://...`), by default `$CLEARGROUND_DB`, then",
        "`./clearground.db`. `--json` prints one JSON document on stdout and nothing else there;",
        "exit codes: 0 success, 2 bad input (the message names file, row and field), 1 internal",
        "error (docs/DESIGN.md).",
        "",
    ]
    for name in group.list_commands(group.context_class(group)):
        lines += _command(name, group.commands[name], "")
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    text = reference()
    if "--check" in sys.argv[1:]:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            sys.stderr.write("docs/CLI.md is not current: run python scripts/cli_reference.py\n")
            sys.exit(1)
        return
    TARGET.write_text(text, encoding="utf-8")
    sys.stderr.write(f"wrote {TARGET.relative_to(ROOT)}\n")


if __name__ == "__main__":
    main()
