"""Date columns of an imported file: read with the mapping's format, built from a date's
year, month and day columns, and, for a date kept with its precision (an accident's), known
only to its month or year or not at all (:mod:`clearground.domain.dates`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from clearground.domain.dates import coarser, date_from_parts, known_text, read_known_date
from clearground.intake.report import ImportReport, Issue


def date_parts(
    frame: pd.DataFrame, target: str, parts: dict[str, str], report: ImportReport
) -> list[str | None]:
    """A date field built from the year, month and day columns a mapping names, as text
    known to its day, month or year (``2004-06``) or None (unknown)."""
    columns = {part: frame[column] for part, column in parts.items()}
    out: list[str | None] = []
    for i, row in enumerate(frame["_row"]):
        values = {part: column.iloc[i] for part, column in columns.items()}
        try:
            date, precision = date_from_parts(**values)
        except ValueError as exc:
            out.append(None)
            report.issues.append(
                Issue(
                    int(row),
                    target,
                    f"cannot build the date from its parts: {exc}",
                    "unparseable",
                    " / ".join(str(v) for v in values.values()),
                    "Give the year as four digits, the month as 1-12 or its name, the day "
                    "as 1-31; leave a part empty when it is not known",
                )
            )
            continue
        out.append(known_text(date, precision) if date is not None else None)
    return out


def parse_dates(
    frame: pd.DataFrame,
    name: str,
    fmt: str | None,
    report: ImportReport,
    *,
    partial: bool = False,
) -> list[Any]:
    """The date column ``name`` read as dates (``fmt``, else ISO); with ``partial`` (a date
    kept with its precision) text known to its year or month (``2004-06``) or ``unknown``
    gives a ``(first day or None, precision)`` pair (:func:`split_known`)."""
    out: list[Any] = []
    for row, value in zip(frame["_row"], frame[name], strict=True):
        if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            out.append(value)
            continue
        if isinstance(value, dt.datetime | pd.Timestamp):
            out.append(value.date())
            continue
        text = str(value).strip()
        if partial and (known := read_known_date(text)) is not None:
            out.append(known)  # (date or None, precision)
            continue
        try:
            out.append(
                dt.datetime.strptime(text, fmt).date() if fmt else dt.date.fromisoformat(text[:10])
            )
        except ValueError:
            out.append(None)
            report.issues.append(
                Issue(
                    int(row),
                    name,
                    "cannot read the date",
                    "unparseable",
                    text,
                    f"Write it as {fmt or 'YYYY-MM-DD'}, or give "
                    "the format in the mapping (dates:)",
                )
            )
    return out


def warn_unknown_dates(frame: pd.DataFrame, name: str, report: ImportReport) -> None:
    """One warning for the rows whose ``name`` is not known (no column, or empty cells):
    they are recorded with an unknown date, which statistics by year count apart."""
    key = f"{name}_precision"
    if name in frame.columns:
        dates = frame[name]
        stated = frame[key] if key in frame.columns else pd.Series(None, index=frame.index)
        refused = {i.row for i in report.issues if i.severity == "error"}
        unknown = int(((dates.isna() | (stated == "unknown")) & ~frame["_row"].isin(refused)).sum())
    else:
        unknown = len(frame)
    if unknown:
        report.issues.append(
            Issue(
                None,
                name,
                f"{unknown:,} row(s) have no {name}: recorded as an unknown date",
                "unknown_date",
                severity="warning",
                fix="Statistics by year count them apart (year 'unknown'); map the date's "
                "column, or its year and month (columns: {"
                + name
                + ": {year: ..., month: ...}}), if the file has them",
            )
        )


def split_known(frame: pd.DataFrame, name: str) -> None:
    """Turn the ``(date, precision)`` pairs of a date kept with its precision into the date
    column and ``{name}_precision``: the coarser of the cell's and a precision column's.
    A full date keeps the file's precision (or none: the registry takes the day)."""
    key = f"{name}_precision"
    given = list(frame[key]) if key in frame.columns else [None] * len(frame)
    dates: list[Any] = []
    precisions: list[Any] = []
    for value, stated in zip(frame[name], given, strict=True):
        if isinstance(value, tuple):
            date, precision = value
            dates.append(date)
            precisions.append(coarser(precision, stated))
        else:
            dates.append(value)
            precisions.append(stated)
    frame[name] = pd.Series(dates, index=frame.index, dtype=object)
    if any(p is not None for p in precisions):
        frame[key] = pd.Series(precisions, index=frame.index, dtype=object)
