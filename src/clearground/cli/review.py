"""``clearground review approve|reject KIND``: review by selection, in one transaction."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from clearground.cli.options import (
    DbOption,
    DistrictOption,
    FromOption,
    JsonOption,
    OrgOption,
    UntilOption,
    app,
    err,
    filters_from,
    open_db,
)
from clearground.domain.errors import BadInput

review_app = typer.Typer(
    no_args_is_help=True,
    help="Approve or reject many records at once: every record the selection holds, one "
    "version and one history entry each, all or none.",
)
app.add_typer(review_app, name="review")

ImportOption = Annotated[
    str | None,
    typer.Option(
        "--import",
        help="only the records whose current version the import of this file wrote "
        "(its name, e.g. eventos.csv)",
    ),
]
ByOption = Annotated[str, typer.Option("--by", help="reviewer's name, kept in the history")]
DryOption = Annotated[bool, typer.Option("--dry-run", help="count the selection, write nothing")]


def _review(
    step: str,
    kind: str,
    db: str | None,
    import_name: str | None,
    date_from: str | None,
    until: str | None,
    district: str | None,
    organisation: str | None,
    reason: str | None,
    by: str,
    dry_run: bool,
    as_json: bool,
    status: str,
) -> None:
    from clearground.store import kinds
    from clearground.store.queries import review_selection
    from clearground.store.repository.bulk_review import review_many

    if kind not in kinds.KINDS:
        raise BadInput(
            f"unknown kind '{kind}'", field="KIND", value=kind, fix=", ".join(kinds.KINDS)
        )
    if step == "rejected" and not (reason or "").strip():
        raise BadInput(
            "a rejection needs a reason", field="--reason", fix="Say what must be corrected"
        )
    store = open_db(db)
    f = filters_from(date_from, until, district, organisation, approved_only=False)
    started = time.perf_counter()
    with store.session() as session:
        ids = review_selection(session, kind, f, status=status, import_name=import_name)
        moved = 0
        if not dry_run:
            moved = review_many(session, kind, ids, step, user=by, reason=reason)
    doc = {
        "kind": kind,
        "step": step,
        "from_status": status,
        "selected": len(ids),
        "moved": moved,
        "dry_run": dry_run,
        "seconds": round(time.perf_counter() - started, 3),
    }
    if as_json:
        typer.echo(json.dumps(doc))
    done = f"would move {len(ids):,}" if dry_run else f"moved {moved:,}"
    err.print(f"{len(ids):,} {status} {kind} selected; {done} to {step}.")


@review_app.command("approve")
def approve(
    kind: Annotated[str, typer.Argument(help="record kind, e.g. accidents")],
    db: DbOption = None,
    import_name: ImportOption = None,
    date_from: FromOption = None,
    until: UntilOption = None,
    district: DistrictOption = None,
    organisation: OrgOption = None,
    by: ByOption = "review",
    dry_run: DryOption = False,
    as_json: JsonOption = False,
) -> None:
    """Approve every submitted record of KIND the selection holds."""
    _review(
        "approved",
        kind,
        db,
        import_name,
        date_from,
        until,
        district,
        organisation,
        None,
        by,
        dry_run,
        as_json,
        "submitted",
    )


@review_app.command("reject")
def reject(
    kind: Annotated[str, typer.Argument(help="record kind, e.g. accidents")],
    reason: Annotated[str, typer.Option("--reason", help="what must be corrected")],
    db: DbOption = None,
    import_name: ImportOption = None,
    date_from: FromOption = None,
    until: UntilOption = None,
    district: DistrictOption = None,
    organisation: OrgOption = None,
    approved: Annotated[
        bool, typer.Option("--approved", help="reject approved records (default: submitted)")
    ] = False,
    by: ByOption = "review",
    dry_run: DryOption = False,
    as_json: JsonOption = False,
) -> None:
    """Reject, with a reason, every submitted (or approved) record of KIND the selection
    holds."""
    _review(
        "rejected",
        kind,
        db,
        import_name,
        date_from,
        until,
        district,
        organisation,
        reason,
        by,
        dry_run,
        as_json,
        "approved" if approved else "submitted",
    )
