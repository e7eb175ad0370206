"""Field forms on the command line (docs/INTAKE.md, "Field forms").

``clearground forms export DIR`` writes the XLSForms to upload to ODK Central or
KoboToolbox; their submissions are read by ``clearground import hazard_survey|progress_report|
accident_report FILE`` (cli/records.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from clearground.cli.options import app, err
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
