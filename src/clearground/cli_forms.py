"""Field forms on the command line (docs/INTAKE.md, "Field forms").

``clearground forms export DIR`` writes the XLSForms to upload to ODK Central or
KoboToolbox; ``clearground import hazard_survey|progress_report|accident_report FILE`` (the
``import`` command hands form ids to ``import_form`` here) reads their submissions.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from clearground.cli import _open, app, err
from clearground.domain.errors import BadInput

forms_app = typer.Typer(
    no_args_is_help=True,
    help="Field forms (XLSForm) for ODK Collect and KoboToolbox.",
)
app.add_typer(forms_app, name="forms")


@forms_app.command("export")
def export_forms(
    directory: Annotated[Path, typer.Argument(help="folder to write the .xlsx files into")],
    form: Annotated[
        list[str] | None,
        typer.Option(
            "--form", help="hazard_survey, progress_report or accident_report (default: all)"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the files as JSON")] = False,
) -> None:
    """Write the XLSForms, ready to upload to ODK Central or KoboToolbox."""
    from clearground.intake.fieldforms.build import write_forms
    from clearground.intake.fieldforms.forms import FORMS

    unknown = [f for f in form or [] if f not in FORMS]
    if unknown:
        raise BadInput(
            f"unknown form '{unknown[0]}'",
            field="--form",
            value=unknown[0],
            fix=f"Use one of: {', '.join(FORMS)}",
        )
    written = write_forms(directory, form or None)
    if as_json:
        doc = {"forms": [{"form_id": p.stem, "path": str(p)} for p in written]}
        sys.stdout.write(json.dumps(doc) + "\n")
    for path in written:
        err.print(
            f"Wrote {path} (form id {FORMS[path.stem].form_id}, version {FORMS[path.stem].version})"
        )


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
    from clearground.cli_intake import _print_report
    from clearground.intake.fieldforms.importer import import_form as run

    for option, given in (("--mapping", mapping), ("--crs", crs)):
        if given is not None:
            raise BadInput(
                f"{option} does not apply to field form exports",
                field=option,
                fix="Exports of the field forms carry the forms' own question names and "
                "WGS84 positions; leave the option out",
            )
    store = _open(db)
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
        _print_report(report)
        for record_kind, counts in report.by_kind.items():
            err.print(
                f"  {record_kind}: {counts['created']:,} created, {counts['updated']:,} "
                f"updated, {counts['unchanged']:,} unchanged"
            )
    refused = not report.written and not report.dry_run
    if refused or (report.dry_run and not report.ok and not skip_invalid):
        raise typer.Exit(2)
