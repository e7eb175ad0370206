"""``clearground import``: files into the registry, all rows or none."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from clearground.cli.options import DbOption, app, err, open_db, print_report
from clearground.domain.errors import BadInput


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
        return import_form(kind, file, db=db, mapping=mapping, crs=crs, dry_run=dry_run,
                           skip_invalid=skip_invalid, rejects=rejects, fix_geometry=fix_geometry,
                           fix_swapped=fix_swapped, user=user, as_json=as_json)  # fmt: skip
    from clearground.intake.importer import import_file

    store = open_db(db)
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
        print_report(report)
    refused = not report.written and not report.dry_run
    if refused or (report.dry_run and not report.ok and not skip_invalid):
        raise typer.Exit(2)


def import_form(
    kind: str,
    file: Path,
    *,
    db: str | None,
    mapping: Path | None,
    crs: str | None,
    dry_run: bool,
    skip_invalid: bool,
    rejects: Path | None,
    fix_geometry: bool,
    fix_swapped: bool,
    user: str,
    as_json: bool,
) -> None:
    """``clearground import FORM FILE``: the submissions of a field form export."""
    from clearground.intake.fieldforms.importer import import_form as run

    for option, given in (("--mapping", mapping), ("--crs", crs)):
        if given is not None:
            raise BadInput(
                f"{option} does not apply to field form exports",
                field=option,
                fix="Exports of the field forms carry the forms' own question names and "
                "WGS84 positions; leave the option out",
            )
    store = open_db(db)
    report = run(
        store,
        kind,
        file,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        fix_geometry=fix_geometry,
        fix_swapped=fix_swapped,
        rejects=rejects,
        user=user,
    )
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, default=str) + "\n")
    else:
        err.print(f"{report.flavour} export of the {kind} form")
        print_report(report)
        for record_kind, counts in report.by_kind.items():
            err.print(
                f"  {record_kind}: {counts['created']:,} created, {counts['updated']:,} "
                f"updated, {counts['unchanged']:,} unchanged"
            )
    refused = not report.written and not report.dry_run
    if refused or (report.dry_run and not report.ok and not skip_invalid):
        raise typer.Exit(2)
