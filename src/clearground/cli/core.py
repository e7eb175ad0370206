"""The core commands: ``init``, ``demo``, ``serve``, ``stats``, ``export``; and ``main``, the
entry point that turns errors into messages and exit codes."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from clearground.cli.options import (
    DbOption,
    DistrictOption,
    FromOption,
    JsonOption,
    OrgOption,
    UnapprovedOption,
    UntilOption,
    app,
    err,
    filters_from,
    open_db,
)
from clearground.domain.errors import BadInput, ClearGroundError


@app.command()
def init(
    db: DbOption = None,
    country: Annotated[
        Path | None,
        typer.Option(
            "--country", help="district boundaries of another country (GPKG, GeoJSON, SHP)"
        ),
    ] = None,
    add: Annotated[
        bool,
        typer.Option("--add", help="add the file as another level of the country already there"),
    ] = False,
    level: Annotated[
        str,
        typer.Option(
            help="what the file's polygons are: district (records are placed in them) or "
            "region (the level above; give it first)"
        ),
    ] = "district",
    name_field: Annotated[
        str | None, typer.Option(help="the file's column of place names (detected if not given)")
    ] = None,
    code_field: Annotated[
        str | None,
        typer.Option(
            help="the file's column of official codes (detected: shapeISO/shapeID, "
            "MPIO_CDPMP, DPTO_CCDGO, GID_n)"
        ),
    ] = None,
    parent_field: Annotated[
        str | None,
        typer.Option(
            help="the file's column of the parent's code (detected: DPTO_CCDGO, "
            "GID_n-1; else the region holding the place)"
        ),
    ] = None,
    country_name: Annotated[
        str | None, typer.Option(help="the country's name (default: from the file)")
    ] = None,
    conflict_start: Annotated[
        str | None,
        typer.Option(help="dates before this (YYYY-MM-DD) are refused at import"),
    ] = None,
    border_tolerance: Annotated[
        float | None,
        typer.Option(help="metres beyond the country outline accepted silently (default 2000)"),
    ] = None,
    border_warning: Annotated[
        float | None,
        typer.Option(
            help="metres beyond the outline accepted with a warning; further is refused "
            "(default 30000)"
        ),
    ] = None,
) -> None:
    """Create a database with the ordnance catalogue and the country's districts.

    On a database made before, sets the settings given; ``--country`` with ``--add`` adds a
    level of places (regions, then districts) to its country."""
    from clearground.store.seed import Boundaries, init_database

    settings = _init_settings(conflict_start, border_tolerance, border_warning)
    store = open_db(db)
    spec = Boundaries(country, name_field, code_field, parent_field, country_name, level, add)
    made = init_database(store, boundaries=spec, settings=settings)
    err.print(
        f"Database ready at {store.url}: {made['ordnance']} ordnance models, "
        f"{made['locations']} locations added."
    )


def _init_settings(
    conflict_start: str | None, tolerance: float | None, warning: float | None
) -> dict[str, str]:
    import datetime as dt

    out: dict[str, str] = {}
    if conflict_start is not None:
        try:
            out["conflict_start"] = dt.date.fromisoformat(conflict_start).isoformat()
        except ValueError:
            raise BadInput(
                f"'{conflict_start}' is not a date",
                field="--conflict-start",
                value=conflict_start,
                fix="Give it as YYYY-MM-DD, e.g. 1990-01-01",
            ) from None
    for key, opt, metres in (
        ("border_tolerance_m", "--border-tolerance", tolerance),
        ("border_warning_m", "--border-warning", warning),
    ):
        if metres is None:
            continue
        if not (0 <= metres <= 500_000):
            raise BadInput(
                f"{opt} must be between 0 and 500000 metres",
                field=opt,
                value=str(metres),
                fix="Give a distance in metres, e.g. 2000",
            )
        out[key] = str(float(metres))
    if tolerance is not None and warning is not None and warning < tolerance:
        raise BadInput(
            "--border-warning is less than --border-tolerance",
            field="--border-warning",
            value=str(warning),
            fix="The warning band reaches beyond the tolerance: give a larger distance",
        )
    return out


@app.command()
def demo(
    db: DbOption = None,
    scale: Annotated[float, typer.Option(help="multiplies the size of the scenario")] = 1.0,
    seed: Annotated[int, typer.Option(help="random seed of the scenario")] = 2020,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="build only")] = False,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="delete an existing demo SQLite file first")
    ] = False,
    truth: Annotated[Path | None, typer.Option(help="where to write the truth file")] = None,
    host: Annotated[str, typer.Option(help="address to serve on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to serve on")] = 8000,
) -> None:
    """Build the demo scenario, then serve the web app on it."""
    from clearground.scenario.demo import build_demo, demo_state
    from clearground.store.database import database_url

    url = database_url(db)
    if rebuild and url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
    store = open_db(db)
    state = demo_state(store)
    if state and state.get("demo_seed") == str(seed) and float(state["demo_scale"]) == scale:
        err.print(f"The demo (seed {seed}, scale {scale:g}) is already built in {store.url}.")
        from clearground.scenario.demo import add_demo_users

        with store.session() as session:
            add_demo_users(session)
    elif state:
        raise BadInput(
            f"{store.url} holds a demo of another seed or scale ({state})",
            field="--db",
            fix="Add --rebuild to build it again",
        )
    else:
        started = time.perf_counter()
        with err.status("Building the demo scenario...") as status:
            summary = build_demo(
                store,
                seed=seed,
                scale=scale,
                truth=truth,
                progress=lambda m: status.update(f"Building the demo: {m}"),
            )
        counts = summary["counts"]
        err.print(
            f"Demo built in {time.perf_counter() - started:.0f} s: "
            f"{counts['records']:,} minefield records, {counts['hazards']:,} hazards, "
            f"{counts['activities']:,} activities, {counts['finds']:,} finds, "
            f"{counts['accidents']:,} accidents. Truth file: {summary['truth_file']}"
        )
    if not no_serve:
        from clearground.scenario.demo import DEMO_PASSWORD, DEMO_USERS

        names = ", ".join(f"{n} ({r})" for n, r, _ in DEMO_USERS)
        err.print(f"Sign in at /signin as {names}; password '{DEMO_PASSWORD}'.")
        _serve(store.url, host, port)


def _serve(url: str, host: str, port: int) -> None:
    import uvicorn

    from clearground.web.app import create_app

    err.print(f"Clearground is serving at http://{host}:{port}/  (Ctrl+C to stop)")
    uvicorn.run(create_app(url), host=host, port=port, log_level="warning", server_header=False)


THREADS_ENV = "CLEARGROUND_THREADS"


class _ThreadLimit:
    """ASGI middleware setting, in the server's event loop, how many threads run the
    synchronous request handlers at once (AnyIO's default limiter; 40 unless changed)."""

    def __init__(self, app: Any, threads: int) -> None:
        self.app = app
        self.threads = threads
        self.done = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not self.done:
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = self.threads
            self.done = True
        await self.app(scope, receive, send)


def web_app_from_env() -> Any:
    """The web app on ``$CLEARGROUND_DB`` (with ``$CLEARGROUND_THREADS`` handler threads if
    set): the factory each process of ``serve --workers/--threads`` calls."""
    from clearground.store.database import database_url
    from clearground.web.app import create_app

    web = create_app(database_url())
    threads = os.environ.get(THREADS_ENV)
    if threads:
        web.add_middleware(_ThreadLimit, threads=int(threads))
    return web


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="address to serve on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to serve on")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="server processes (uvicorn workers); 1 serves in-process")
    ] = 1,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="threads per process running request handlers (default 40); fewer spend less "
            "CPU per request under load, but a slow request then holds a larger share",
        ),
    ] = None,
) -> None:
    """Serve the web app on a database."""
    store = open_db(db)
    if workers == 1 and threads is None:
        _serve(store.url, host, port)
        return
    import uvicorn

    from clearground.store.keys import session_key

    session_key(store.url)  # made once here, not raced for by the workers
    store.dispose()
    os.environ["CLEARGROUND_DB"] = store.url  # read by web_app_from_env in each worker
    if threads is not None:
        os.environ[THREADS_ENV] = str(threads)
    err.print(
        f"Clearground is serving at http://{host}:{port}/ with {workers} worker process(es)"
        + (f", {threads} handler threads each" if threads else "")
    )
    uvicorn.run(
        "clearground.cli:web_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        server_header=False,  # the app names no server software (web/security.py)
    )


@app.command()
def stats(
    db: DbOption = None,
    by: Annotated[
        str | None, typer.Option("--by", help="district, year, organisation or method")
    ] = None,
    date_from: FromOption = None,
    until: UntilOption = None,
    district: DistrictOption = None,
    organisation: OrgOption = None,
    include_unapproved: UnapprovedOption = False,
    as_json: JsonOption = False,
) -> None:
    """Land released, devices found, casualties (approved records only by default)."""
    from clearground.analysis import statistics as st
    from clearground.store import queries as q

    if by is not None and by not in ("district", "year", "organisation", "method"):
        raise BadInput(
            f"cannot break down by '{by}'",
            field="--by",
            value=by,
            fix="Use district, year, organisation or method",
        )
    f = filters_from(date_from, until, district, organisation, not include_unapproved)
    store = open_db(db)
    with store.session() as session:
        acts = q.activities_frame(session, f)
        finds = q.finds_frame(session, f)
        victims = q.victims_frame(session, f)
        funding, rates = q.funding_frames(session, f)
        hazards = _hazards_doc(session, f, by == "district")
    doc: dict[str, Any] = st.summary(acts, finds, victims)
    doc["hazards"] = hazards
    doc["funding"] = st.funding_summary(funding, rates)
    # what the funding figure does not follow, so that it is not read as the district's
    doc["funding"]["not_filtered_by"] = [
        name for name in q.FUNDING_UNFILTERED if getattr(f, name, None)
    ]
    doc["tables"] = st.monitor_tables(acts, finds, victims, funding, rates)
    doc["filters"] = f.as_dict()
    if by:
        doc["by"] = by
        doc["breakdown"] = st.breakdown(acts, finds, victims, by)
    if as_json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
        return
    _print_stats(doc)


def _hazards_doc(session: Any, f: Any, by_district: bool) -> dict[str, Any]:
    """Hazards known by ``--until`` (today without it): how many, their area, and the area
    still to release (area less what releasing activities ended by then took from each),
    by status and kind, and by district with ``--by district``. Review and district filters
    apply as to the other figures; hazards have no organisation, so that filter does not."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import aliased

    from clearground.store import queries as q
    from clearground.store import tables as t

    until = f.date_until or dt.date.today()
    loc = aliased(t.Location)
    stmt: Any = (
        select(t.Hazard.id, t.Hazard.kind, t.Hazard.status, t.Hazard.area_m2, loc.name.label("d"))
        .outerjoin(loc, loc.id == t.Hazard.location_id)
        .where((t.Hazard.info_date.is_(None)) | (t.Hazard.info_date <= until))
    )
    if f.approved_only:
        stmt = stmt.where(t.Hazard.review_status == "approved")
    if f.district:
        stmt = stmt.where(t.Hazard.location_id.in_(q.district_ids(session, f.district)))
    released_q: Any = (
        select(t.Activity.hazard_id, func.sum(t.Activity.area_m2))
        .where(t.Activity.result.in_(("cancelled", "reduced", "cleared")))
        .where(t.Activity.hazard_id.is_not(None))
        .where(t.Activity.end_date <= until)
        .group_by(t.Activity.hazard_id)
    )
    if f.approved_only:
        released_q = released_q.where(t.Activity.review_status == "approved")
    released = {hid: float(a or 0.0) for hid, a in session.execute(released_q).all()}

    def empty() -> dict[str, float]:
        return {"count": 0, "area_m2": 0.0, "remaining_m2": 0.0}

    total = empty()
    parts: dict[str, dict[str, dict[str, float]]] = {"by_status": {}, "by_kind": {}}
    if by_district:
        parts["by_district"] = {}
    for hid, kind, status, area, district in session.execute(stmt).all():
        area = float(area or 0.0)
        left = max(area - released.get(hid, 0.0), 0.0)
        keys = {"by_status": status, "by_kind": kind, "by_district": district or "(none)"}
        for part in [total, *(parts[n].setdefault(str(keys[n]), empty()) for n in parts)]:
            part["count"] += 1
            part["area_m2"] += area
            part["remaining_m2"] += left
    rounded = {k: round(v, 1) if k != "count" else int(v) for k, v in total.items()}
    out: dict[str, Any] = dict(rounded)
    for name, groups in parts.items():
        out[name] = {
            key: {k: round(v, 1) if k != "count" else int(v) for k, v in g.items()}
            for key, g in sorted(groups.items())
        }
    return out


def _print_stats(doc: dict[str, Any]) -> None:
    out = Console(soft_wrap=True)
    table = Table(title="Clearground statistics", show_header=True)
    table.add_column("Figure")
    table.add_column("Value", justify="right")
    for k, v in doc["released_m2"].items():
        table.add_row(f"Land {k}", f"{v / 1e4:,.1f} ha")
    from clearground.web.i18n import translator

    _ = translator("en")  # the labels the web pages use, not the stored codes
    for k, v in doc["devices"].items():
        table.add_row(f"Devices: {_(f'dash.category.{k}')}", f"{v:,}")
    for k, v in doc["casualties"].items():
        table.add_row(f"Casualties: {_(f'dash.outcome.{k}')}", f"{v:,}")
    unfiltered = doc["funding"].get("not_filtered_by") or []
    table.add_row(
        "Funding (USD at the rate of its date"
        + (f"; every {', '.join(unfiltered)}" if unfiltered else "")
        + ")",
        f"{doc['funding']['total_usd']:,.0f}",
    )
    hazards = doc["hazards"]
    table.add_row(
        "Hazards (still to release)",
        f"{hazards['count']:,} ({hazards['remaining_m2'] / 1e4:,.1f} ha)",
    )
    out.print(table)
    if "breakdown" in doc:
        part = Table(title=f"By {doc['by']}")
        for col in ("", "cancelled ha", "reduced ha", "cleared ha", "devices", "casualties"):
            part.add_column(col, justify="right" if col else "left")
        for row in doc["breakdown"]:
            ha = row["released_ha"]
            part.add_row(
                row["key"],
                f"{ha['cancelled']:,.1f}",
                f"{ha['reduced']:,.1f}",
                f"{ha['cleared']:,.1f}",
                f"{row['devices_total']:,}",
                f"{row['casualties_total']:,}",
            )
        out.print(part)


@app.command()
def export(
    kind: Annotated[
        str,
        typer.Argument(
            help="what to export, e.g. hazards, activities, "
            "finds, handovers, records, recorded_mines"
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="file to write")],
    fmt: Annotated[str, typer.Option("--format", help="gpkg, geojson, csv or xlsx")] = "gpkg",
    db: DbOption = None,
    date_from: FromOption = None,
    until: UntilOption = None,
    district: DistrictOption = None,
    organisation: OrgOption = None,
) -> None:
    """Export records of one kind, every review status, with a review_status column."""
    from clearground.store.export import write_export
    from clearground.store.queries import export_frame

    f = filters_from(date_from, until, district, organisation, approved_only=False)
    store = open_db(db)
    with store.session() as session:
        frame = export_frame(session, kind, f)
    n = write_export(frame, output, fmt, kind)
    err.print(f"Wrote {n:,} {kind} to {output}")


def main() -> None:
    """Entry point: run the app, turning Clearground errors into messages and exit codes."""
    try:
        code = app(standalone_mode=False)  # a command's typer.Exit(n) comes back as n
        if isinstance(code, int) and code:
            sys.exit(code)
    except ClearGroundError as exc:
        err.print(f"[bold red]Error:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors carry their own exit code
        code = getattr(exc, "exit_code", None)
        if code is not None and hasattr(exc, "show"):
            exc.show()
            sys.exit(2)
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            err.print(
                f"[bold red]Error:[/] cannot use the database: {exc.orig}. Check --db "
                "(a SQLite file path or a postgresql+psycopg:// URL) and that the "
                "server is running.",
                highlight=False,
            )
            sys.exit(1)
        if os.environ.get("CLEARGROUND_DEBUG"):
            err.print_exception()
        err.print(
            f"[bold red]Internal error:[/] {type(exc).__name__}: {exc}. Please report "
            "it; run with CLEARGROUND_DEBUG=1 for the trace.",
            highlight=False,
        )
        sys.exit(1)
