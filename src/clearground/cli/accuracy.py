"""``clearground accuracy``: how accurate are the minefield records? (DESIGN.md)

From files (``--records`` and ``--finds``, any format GDAL reads, CSV/XLSX with lon/lat or
WKT columns, points in any CRS) or, without them, from the database. The analysis itself is
``clearground.analysis.accuracy``; this module reads its inputs and prints its results.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

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
from clearground.domain.errors import BadInput

if TYPE_CHECKING:  # the heavy libraries are imported when the command runs
    import geopandas as gpd

# the defaults of clearground.analysis.accuracy (kept equal by a test; not imported here so
# that the other commands start fast)
DEFAULT_TOLERANCE_M = 5.0
DEFAULT_MAX_SHIFT_M = 500.0
DEFAULT_MAX_ROTATION_DEG = 45.0
DEFAULT_BUFFER_M = 25.0

KEEP = ("record", "handover", "district", "kind")


@app.command()
def accuracy(
    records: Annotated[
        Path | None,
        typer.Option(
            "--records",
            help="recorded mines: points, optional 'record', 'handover', 'district' columns "
            "(or record perimeters: polygons). FILE or FILE::LAYER",
        ),
    ] = None,
    finds: Annotated[
        Path | None, typer.Option("--finds", help="devices found: points. FILE or FILE::LAYER")
    ] = None,
    searched: Annotated[
        Path | None,
        typer.Option(
            "--searched",
            help="polygons of ground searched for mines (default: all ground counts)",
        ),
    ] = None,
    perimeters: Annotated[
        Path | None,
        typer.Option(
            "--perimeters",
            help="record perimeters: polygons with a 'record' column (default: the convex "
            "hull of each record's mines)",
        ),
    ] = None,
    accidents: Annotated[
        Path | None,
        typer.Option("--accidents", help="accidents and incidents: points, optional 'kind'"),
    ] = None,
    crs: Annotated[
        str | None,
        typer.Option("--crs", help="CRS of input files that state none, e.g. EPSG:32638"),
    ] = None,
    tolerance: Annotated[
        float,
        typer.Option("--tolerance", help="metres within which a find confirms a recorded mine"),
    ] = DEFAULT_TOLERANCE_M,
    max_shift: Annotated[
        float,
        typer.Option("--max-shift", help="largest shift of a record searched for, metres"),
    ] = DEFAULT_MAX_SHIFT_M,
    max_rotation: Annotated[
        float,
        typer.Option(
            "--max-rotation", help="largest rotation searched for, degrees (both 0: no search)"
        ),
    ] = DEFAULT_MAX_ROTATION_DEG,
    buffer: Annotated[
        float,
        typer.Option(
            "--buffer", help="metres around a record's perimeter that still count as inside it"
        ),
    ] = DEFAULT_BUFFER_M,
    similarity: Annotated[
        bool,
        typer.Option("--similarity", help="also search a scale factor (records drawn to scale)"),
    ] = False,
    db: DbOption = None,
    date_from: FromOption = None,
    until: UntilOption = None,
    district: DistrictOption = None,
    organisation: OrgOption = None,
    include_unapproved: UnapprovedOption = False,
    per_record: Annotated[
        bool,
        typer.Option(
            "--per-record", help="also print the table of every record (the JSON has it always)"
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """How accurate are the minefield records? Recorded mines against the devices found.

    One-to-one matching within --tolerance over searched ground; each record's shift and
    rotation; finds and accidents outside the records. Without files, reads the database.
    """
    from clearground.analysis import accuracy as acc

    options = acc.AccuracyOptions(
        tolerance_m=tolerance,
        max_shift_m=max_shift,
        max_rotation_deg=max_rotation,
        buffer_m=buffer,
        similarity=similarity,
    )
    options.check()
    started = time.perf_counter()
    notes: list[str] = []
    if records is not None or finds is not None:
        for name, value in (
            ("--db", db),
            ("--from", date_from),
            ("--until", until),
            ("--district", district),
            ("--organisation", organisation),
            ("--include-unapproved", True if include_unapproved else None),
        ):
            if value is not None:
                raise BadInput(
                    f"{name} applies to the database, not to files",
                    field=name,
                    fix="Leave out --records and --finds to read the database, or filter "
                    "the files before",
                )
        if records is None or finds is None:
            missing = "--finds" if records is not None else "--records"
            raise BadInput(
                "the file mode needs both --records and --finds",
                field=missing,
                fix=f"Give {missing} FILE, or neither to read the database",
            )
        rec_layer = read_layer(records, "--records", crs)
        mines, perims = _split_records(rec_layer, records)
        if perimeters is not None:
            perims = read_layer(perimeters, "--perimeters", crs)
            _require(perims, perimeters, {"Polygon", "MultiPolygon"}, "polygons")
            if "record" not in perims.columns:
                raise BadInput(
                    "the perimeters have no 'record' column",
                    source=str(perimeters),
                    field="record",
                    fix="Name each perimeter's record in a 'record' column",
                )
        find_layer = read_layer(finds, "--finds", crs)
        _require(find_layer, finds, {"Point", "MultiPoint"}, "points")
        area = None
        if searched is not None:
            area = read_layer(searched, "--searched", crs)
            _require(area, searched, {"Polygon", "MultiPolygon"}, "polygons")
        acc_layer = None
        if accidents is not None:
            acc_layer = read_layer(accidents, "--accidents", crs)
            _require(acc_layer, accidents, {"Point", "MultiPoint"}, "points")
        source = {"records": str(records), "finds": str(finds)}
    else:
        for name, path in (
            ("--searched", searched),
            ("--perimeters", perimeters),
            ("--accidents", accidents),
        ):
            if path is not None:
                raise BadInput(
                    f"{name} goes with --records and --finds",
                    field=name,
                    fix="Give --records and --finds too, or leave the files out to use the "
                    "database's cleared areas, perimeters and accidents",
                )
        from clearground.store.accuracy_data import accuracy_inputs

        f = filters_from(date_from, until, district, organisation, not include_unapproved)
        store = open_db(db)
        with store.session() as session:
            data = accuracy_inputs(session, f)
        mines, perims, find_layer = data.recorded, data.perimeters, data.finds
        area, acc_layer = data.searched, data.accidents
        if data.finds_without_position:
            notes.append(f"{data.finds_without_position:,} finds have no position: left out.")
        if data.accidents_without_position:
            notes.append(
                f"{data.accidents_without_position:,} accidents have no position: left out."
            )
        source = {"database": store.url, **f.as_dict()}
    err.print(
        f"Comparing {len(mines):,} recorded mines with {len(find_layer):,} finds "
        f"(tolerance {tolerance:g} m)..."
    )
    report = acc.analyse(
        mines,
        find_layer,
        searched=area,
        perimeters=perims,
        accidents=acc_layer,
        options=options,
    )
    report.notes[:0] = notes
    doc = report.to_dict()
    doc["source"] = source
    err.print(f"Done in {time.perf_counter() - started:.1f} s.")
    if as_json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
        return
    _print(doc, per_record)


# --- reading files ---------------------------------------------------------------------------


def read_layer(path: Path, option: str, crs: str | None = None) -> gpd.GeoDataFrame:
    """One layer of a file as a GeoDataFrame in WGS84; ``FILE::LAYER`` names the layer.

    Read by the importer's reader (``intake.readers.read_source``), so by its rules: the
    formats it allows (GeoPackage, GeoJSON, Shapefile, FlatGeobuf, KML; CSV/TSV/XLSX with
    coordinate columns, a WKT or an MGRS column), the same coordinate column names, and the
    same handling of a missing CRS (``crs`` gives it). The rows keep their number in the
    file (``_row``) for messages.
    """
    import geopandas as gpd

    from clearground.intake import safety
    from clearground.intake.mapping import Mapping
    from clearground.intake.readers import read_source

    text = str(path)
    layer = None
    if "::" in text:
        text, layer = text.rsplit("::", 1)
    file = Path(text)
    if not file.exists():
        raise BadInput("the file does not exist", source=text, field=option, fix="Check the path")
    suffix = safety.check_name(file, safety.TABLE_SUFFIXES | safety.VECTOR_SUFFIXES)
    if suffix in safety.VECTOR_SUFFIXES and suffix not in (".zip", ".kmz"):
        safety.check_content(file, suffix)
        _check_layer(file, layer, option)
    try:
        source = read_source(file, Mapping(layer=layer), crs)
    except BadInput as exc:
        exc.field = exc.field or option
        raise
    for issue in source.issues:
        if issue.severity == "error":
            raise BadInput(
                issue.reason,
                source=str(file),
                row=issue.row,
                field=issue.field,
                value=issue.value,
                fix=issue.fix,
            )
        err.print(f"warning: {file}: {issue.reason}" + (f" ({issue.fix})" if issue.fix else ""))
    rows = source.frame
    keep = [c for c in rows.columns if str(c).lower() in KEEP]
    frame = gpd.GeoDataFrame(
        rows[[*keep, "_row"]].rename(columns={c: str(c).lower() for c in keep}),
        geometry=gpd.GeoSeries(rows["geometry"].to_numpy(), crs=4326).values,
        crs=4326,
    )
    return frame


def _check_layer(file: Path, layer: str | None, option: str) -> None:
    """A file of several layers needs one named; a named layer must exist."""
    import pyogrio

    try:
        layers = pyogrio.list_layers(file)
    except Exception as exc:  # noqa: BLE001 - any GDAL failure means the file is unreadable
        raise BadInput(
            f"cannot read the file: {exc}",
            source=str(file),
            field=option,
            fix="Give a GeoPackage, GeoJSON, Shapefile, FlatGeobuf, KML, CSV or XLSX file",
        ) from None
    names = [str(n) for n in layers[:, 0]]
    if layer is None and len(names) > 1:
        raise BadInput(
            f"the file has {len(names)} layers: {', '.join(names)}",
            source=str(file),
            field=option,
            fix=f"Name one as {file}::LAYER",
        )
    if layer is not None and layer not in names:
        raise BadInput(
            f"the file has no layer '{layer}' (it has {', '.join(names)})",
            source=str(file),
            field=option,
            fix=f"Name one of its layers as {file}::LAYER",
        )


GEOMETRY_TYPES = {"Point": 0, "Polygon": 3, "MultiPoint": 4, "MultiPolygon": 6}


def _require(frame: gpd.GeoDataFrame, path: Path, kinds: set[str], what: str) -> None:
    """Every feature has a geometry of one of ``kinds``, or a message naming the row."""
    import numpy as np
    import shapely

    geoms = np.asarray(frame.geometry.values, dtype=object)
    numbers = frame["_row"].to_numpy() if "_row" in frame.columns else np.arange(1, len(frame) + 1)
    missing = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if len(missing):
        raise BadInput(
            "a feature has no geometry",
            source=str(path),
            row=int(numbers[missing[0]]),
            field="geometry",
            fix="Give every feature a geometry, or remove it",
        )
    allowed = [GEOMETRY_TYPES[k] for k in kinds]
    wrong = np.flatnonzero(~np.isin(shapely.get_type_id(geoms), allowed))
    if len(wrong):
        raise BadInput(
            f"expected {what}, found a {geoms[wrong[0]].geom_type}",
            source=str(path),
            row=int(numbers[wrong[0]]),
            field="geometry",
            fix=f"Give {what} in this file",
        )


def _split_records(
    layer: gpd.GeoDataFrame, path: Path
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """A records file holds mines (points) or perimeters (polygons), or both."""
    import numpy as np
    import shapely

    _require(layer, path, {"Point", "MultiPoint", "Polygon", "MultiPolygon"}, "points or polygons")
    is_poly = np.isin(shapely.get_type_id(np.asarray(layer.geometry.values)), [3, 6])
    if "record" not in layer.columns:
        layer = layer.assign(record=path.stem)
    mines = layer[~is_poly].reset_index(drop=True)
    perims = layer[is_poly].reset_index(drop=True) if is_poly.any() else None
    return mines, perims


# --- the readable table ----------------------------------------------------------------------


def _pct(v: Any) -> str:
    return "-" if v is None else f"{100 * v:.1f} %"


def _num(v: Any, fmt: str = ",.0f") -> str:
    return "-" if v is None else format(v, fmt)


def _print(doc: dict[str, Any], per_record: bool = False) -> None:
    """The summary and the tables by handover and district; each record's line only with
    ``per_record`` (a national database has hundreds of records)."""
    from rich.console import Console
    from rich.table import Table

    out = Console(soft_wrap=True)
    if not out.is_terminal:
        out = Console(soft_wrap=True, width=160)
    head = Table(title="Minefield-record accuracy", show_header=True)
    head.add_column("Figure")
    head.add_column("Value", justify="right")
    rows = [
        ("Tolerance (one find per recorded mine)", f"{doc['tolerance_m']:g} m"),
        ("Recorded mines on searched ground", _num(doc["recorded"])),
        ("Recorded mines not yet searched (unknown)", _num(doc["recorded_unsearched"])),
        ("Finds on searched ground", _num(doc["found"])),
        ("Recorded mines confirmed by a find", _num(doc["matched"])),
        ("Near a find that is another mine of a misplaced record", _num(doc["coincidental"])),
        ("Record accuracy (precision)", _pct(doc["precision"])),
        ("Finds that were recorded (recall)", _pct(doc["recall"])),
        ("F1", _num(doc["f1"], ".3f")),
        ("A nearest-neighbour join would claim", _pct(doc["nearest_neighbour_precision"])),
        ("Precision after correcting each record", _pct(doc["precision_corrected"])),
        ("Records misplaced (right after a shift or rotation)", _num(doc["records_misplaced"])),
        (
            f"Finds outside every record area (+{doc['buffer_m']:g} m)",
            f"{_num(doc['finds_outside_records'])} ({_pct(doc['finds_outside_records_share'])})",
        ),
    ]
    if doc.get("accidents"):
        a = doc["accidents"]
        rows.append(
            (
                "Accidents outside all recorded areas",
                f"{_num(a['outside_records'])} of {_num(a['total'])} ({_pct(a['outside_share'])})",
            )
        )
    for k, v in rows:
        head.add_row(k, v)
    out.print(head)
    for key, title in (("by_handover", "handover"), ("by_district", "district")):
        if not doc[key]:
            continue
        part = Table(title=f"By {title}")
        cols = [title, "records", "recorded", "matched", "precision", "corrected", "misplaced"]
        cols += ["finds inside", "found/recorded"]
        if key == "by_district":
            cols += ["finds", "outside records"]
        for col in cols:
            part.add_column(col, justify="left" if col == title else "right")
        for r in doc[key]:
            cells = [
                str(r[title]),
                _num(r["records"]),
                _num(r["recorded"]),
                _num(r["matched"]),
                _pct(r["precision"]),
                _pct(r["precision_corrected"]),
                _num(r["records_misplaced"]),
                _num(r["finds_inside"]),
                _num(r["found_per_recorded"], ".2f"),
            ]
            if key == "by_district":
                cells += [_num(r.get("finds")), _pct(r.get("finds_outside_records_share"))]
            part.add_row(*cells)
        out.print(part)
    searched = [r for r in doc["records"] if r["recorded"]]
    if searched and not per_record:
        out.print(
            f"{len(searched):,} of {len(doc['records']):,} records lie on searched ground: "
            "--per-record prints each one's line (shift, rotation, verdict), --json has them all"
        )
    elif searched:
        table = Table(
            title=f"Records on searched ground ({len(searched)} of {len(doc['records'])})"
        )
        for col in (
            "record",
            "recorded",
            "matched",
            "precision",
            "verdict",
            "shift m",
            "east m",
            "north m",
            "rotation °",
            "corrected",
        ):
            table.add_column(col, justify="left" if col in ("record", "verdict") else "right")
        for r in searched:
            table.add_row(
                str(r["record"]),
                _num(r["recorded"]),
                _num(r["matched"]),
                _pct(r["precision"]),
                r["verdict"],
                _num(r["shift_m"], ".1f"),
                _num(r["shift_east_m"], ".1f"),
                _num(r["shift_north_m"], ".1f"),
                _num(r["rotation_deg"], ".1f"),
                _pct(r["precision_corrected"]),
            )
        out.print(table)
    for note in doc["notes"]:
        out.print(f"Note: {note}")
