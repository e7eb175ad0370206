"""``clearground import``: files into the registry, all rows or none."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from clearground.cli import DbOption, _open, app, err
from clearground.intake.report import ImportReport


@app.command("import")
def import_(
    kind: Annotated[
        str,
        typer.Argument(
            help="hazards, activities, finds, accidents, victims, "
            "organisations, locations, funding, ..."
        ),
    ],
    file: Annotated[Path, typer.Argument(help="GPKG, GeoJSON, SHP/.zip, KML, FGB, CSV or XLSX")],
    db: DbOption = None,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="YAML mapping of columns and labels (docs/INTAKE.md)"),
    ] = None,
    crs: Annotated[
        str | None,
        typer.Option("--crs", help="CRS of a file that states none, or of coordinate columns"),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check only, write nothing")] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="write the valid rows; the others go to a reject file"),
    ] = False,
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="where --skip-invalid writes the rejected rows")
    ] = None,
    fix_geometry: Annotated[
        bool, typer.Option("--fix-geometry", help="repair invalid polygons (reported as warnings)")
    ] = False,
    fix_swapped: Annotated[
        bool, typer.Option("--fix-swapped", help="swap latitude/longitude back where detected")
    ] = False,
    user: Annotated[str, typer.Option(help="who is importing (kept in the history)")] = "import",
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Import a file of records; they arrive as submitted, for review."""
    from clearground.intake.fieldforms import FORM_IDS

    if kind in FORM_IDS:  # submissions of a field form (docs/INTAKE.md, "Field forms")
        from clearground.cli_forms import import_form

        return import_form(kind, file, db=db, mapping=mapping, crs=crs, dry_run=dry_run,
                           skip_invalid=skip_invalid, rejects=rejects, fix_geometry=fix_geometry,
                           fix_swapped=fix_swapped, user=user, as_json=as_json)  # fmt: skip
    from clearground.intake.importer import import_file

    store = _open(db)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage.capitalize(), total=total)
                if not err.is_terminal:  # a log line per stage where no bar is drawn
                    err.print(f"{stage.capitalize()} {total:,} rows")
            bar.update(tasks[stage], completed=done, total=total)

        report = import_file(
            store,
            kind,
            file,
            mapping=mapping,
            crs=crs,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            rejects=rejects,
            fix_geometry=fix_geometry,
            fix_swapped=fix_swapped,
            user=user,
            progress=progress,
        )
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, default=str) + "\n")
    else:
        _print_report(report)
    refused = not report.written and not report.dry_run
    if refused or (report.dry_run and not report.ok and not skip_invalid):
        raise typer.Exit(2)


def _print_report(report: ImportReport) -> None:
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
