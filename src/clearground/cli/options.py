"""What every command of the command line shares: the app, the console for messages, the
options (``--db``, ``--json``, the filters) and reading them.

The command line is a stable contract (DESIGN.md): ``--json`` prints one JSON document on
stdout and nothing else there; progress and logs go to stderr. Exit codes: 0 success, 2 bad
input (the message names file, row and field), 1 internal error.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from clearground.domain.errors import BadInput

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Clearground: information management for mine action.",
)
err = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="SQLite file or SQLAlchemy URL (default: $CLEARGROUND_DB, ./clearground.db)"
    ),
]
FromOption = Annotated[str | None, typer.Option("--from", help="first date, YYYY-MM-DD")]
UntilOption = Annotated[str | None, typer.Option("--until", help="last date, YYYY-MM-DD")]
DistrictOption = Annotated[str | None, typer.Option("--district", help="district name")]
OrgOption = Annotated[
    str | None,
    typer.Option("--organisation", help="organisation name or short name (includes its units)"),
]
UnapprovedOption = Annotated[
    bool, typer.Option("--include-unapproved", help="count records not yet approved too")
]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON on stdout")]


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(
            f"cannot read '{value}' as a date",
            field=option,
            value=value,
            fix="Write dates as YYYY-MM-DD",
        ) from None


def filters_from(
    date_from: str | None,
    until: str | None,
    district: str | None,
    organisation: str | None,
    approved_only: bool = True,
) -> Any:
    from clearground.store.queries import Filters

    return Filters(
        parse_date(date_from, "--from"),
        parse_date(until, "--until"),
        district,
        organisation,
        approved_only,
    )


def open_db(db: str | None) -> Any:
    from clearground.store.database import open_store

    return open_store(db)


def print_report(report: Any) -> None:
    """An import report on stderr: the counts, the issues (at most 200), what was written."""
    doc = report.to_dict()
    table = Table(title=f"Import of {report.source} as {report.kind}")
    table.add_column("")
    table.add_column("rows", justify="right")
    for label in ("rows", "accepted", "rejected", "warned", "created", "updated", "unchanged"):
        table.add_row(label, f"{doc[label]:,}")
    err.print(table)
    for issue in report.issues[:200]:
        colour = "red" if issue.severity == "error" else "yellow"
        err.print(f"[{colour}]{issue.severity}[/]: {issue.describe(report.unit)}", highlight=False)
    if len(report.issues) > 200:
        err.print(f"... and {len(report.issues) - 200:,} more (use --json for all)")
    if report.written:
        err.print(
            f"Written: {report.created:,} created, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged."
            + (f" Rejected rows: {report.reject_file}" if report.reject_file else "")
        )
    elif report.dry_run:
        err.print("Dry run: nothing was written.")
    else:
        err.print(
            "[bold red]Nothing was written[/]: correct the rows above and import again, "
            "or use --skip-invalid to write the valid rows only."
        )
