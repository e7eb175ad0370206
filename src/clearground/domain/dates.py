"""Dates as they are known: to the day, the month, the year, or not at all.

A registry often knows only the year and month of an accident (a victims registry with
``año`` and ``mes`` columns) or nothing (incidents reported long after). Such a date is kept
with its precision (:class:`~clearground.domain.enums.DatePrecision`) and stored as the first
day of the span it names (2004-06 as 2004-06-01, precision ``month``); an unknown date is
stored as no date, precision ``unknown``, and statistics by year count it apart.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import MutableMapping
from typing import Any

from clearground.domain.enums import DatePrecision
from clearground.domain.errors import BadInput

PARTS = ("year", "month", "day")
"""The parts a mapping may build a date from (``columns: {accident_date: {year: ano}}``)."""

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan", "enero", "ene", "yanvar", "январь", "января", "янв"),
            ("february", "feb", "febrero", "fevral", "февраль", "февраля", "фев"),
            ("march", "mar", "marzo", "mart", "март", "марта"),
            ("april", "apr", "abril", "abr", "aprel", "апрель", "апреля", "апр"),
            ("may", "mayo", "may", "май", "мая"),
            ("june", "jun", "junio", "iyun", "июнь", "июня", "июн"),
            ("july", "jul", "julio", "iyul", "июль", "июля", "июл"),
            ("august", "aug", "agosto", "ago", "avqust", "август", "августа", "авг"),
            (
                "september",
                "sep",
                "sept",
                "septiembre",
                "setiembre",
                "sentyabr",
                "сентябрь",
                "сентября",
                "сен",
            ),
            ("october", "oct", "octubre", "oktyabr", "октябрь", "октября", "окт"),
            ("november", "nov", "noviembre", "noyabr", "ноябрь", "ноября", "ноя"),
            ("december", "dec", "diciembre", "dic", "dekabr", "декабрь", "декабря", "дек"),
        ),
        start=1,
    )
    for name in names
}
"""Month names (English, Spanish, Azerbaijani, Russian; full and short) to their number."""

_YEAR = re.compile(r"^\d{4}$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_UNKNOWN = {"", "unknown", "desconocido", "sin información", "sin informacion", "nan", "none"}


def read_known_date(text: str) -> tuple[dt.date | None, DatePrecision] | None:
    """Read ``text`` as a date known to the day, month or year, or as an unknown date.

    ``2004`` is (2004-01-01, year), ``2004-06`` (2004-06-01, month), ``2004-06-21`` (that day),
    an empty cell or ``unknown`` (None, unknown). Returns None for any other text, which the
    caller reads with its own format or refuses.
    """
    value = text.strip()
    if value.lower() in _UNKNOWN:
        return None, DatePrecision.UNKNOWN
    try:
        if _YEAR.match(value):
            return dt.date(int(value), 1, 1), DatePrecision.YEAR
        if match := _YEAR_MONTH.match(value):
            return dt.date(int(match[1]), int(match[2]), 1), DatePrecision.MONTH
    except ValueError:  # year 0000, month 13: not a date, refused by the caller
        return None
    return None


def _number(value: Any, part: str) -> int | None:
    """One part of a date as a number; a month may be a name. None when empty."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip().lower()
    if text in _UNKNOWN or text in {"0", "00"}:
        return None
    if part == "month" and text in MONTHS:
        return MONTHS[text]
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        raise ValueError(f"'{value}' is not a {part}") from None
    if not number.is_integer():
        raise ValueError(f"'{value}' is not a whole {part}")
    return int(number)


def date_from_parts(
    year: Any, month: Any = None, day: Any = None
) -> tuple[dt.date | None, DatePrecision]:
    """A date and its precision from separate year, month and day values.

    Empty parts make the date coarser: no day gives precision ``month``, no month ``year``,
    no year ``unknown`` (a month without a year says nothing of when). Raises ValueError,
    naming the part, for a part that is not a number (or a month name) or out of range.
    """
    y, m, d = _number(year, "year"), _number(month, "month"), _number(day, "day")
    if y is None:
        return None, DatePrecision.UNKNOWN
    if not 1 <= y <= 9999:
        raise ValueError(f"{y} is not a year")
    if m is None:
        return dt.date(y, 1, 1), DatePrecision.YEAR
    if not 1 <= m <= 12:
        raise ValueError(f"{m} is not a month (1 to 12)")
    if d is None:
        return dt.date(y, m, 1), DatePrecision.MONTH
    try:
        return dt.date(y, m, d), DatePrecision.DAY
    except ValueError:
        raise ValueError(f"{y}-{m:02d}-{d} is not a day of the calendar") from None


ORDER = [p.value for p in DatePrecision]
"""The precisions, finest first."""


def coarser(precision: DatePrecision | str, other: Any) -> str:
    """The coarser of ``precision`` and ``other`` (another precision, or anything else,
    which is ignored: an empty cell or a value the registry will refuse by name)."""
    mine = str(precision)
    if isinstance(other, str) and other in ORDER and ORDER.index(other) > ORDER.index(mine):
        return other
    return mine


def known_with(value: Any, stated: Any) -> tuple[dt.date | None, Any] | None:
    """``value`` read as a date known to its year or month, or as an unknown date (None, an
    empty cell, ``unknown``), with its precision: the coarser of the text's and ``stated``
    (a ``stated`` that is no precision is kept, for the registry to refuse by name). None
    for a full date or any other value, which the caller reads as it reads dates."""
    if value is None:
        known: tuple[dt.date | None, DatePrecision] | None = (None, DatePrecision.UNKNOWN)
    else:
        known = read_known_date(value) if isinstance(value, str) else None
    if known is None:
        return None
    date, precision = known
    if stated in (None, "") or stated in ORDER:
        return date, coarser(precision, stated)
    return date, stated


def last_day(date: dt.date, precision: DatePrecision | str | None) -> dt.date:
    """The last day of the span ``date`` (its first day) names at ``precision``."""
    if precision == DatePrecision.YEAR:
        return date.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        following = date.replace(day=28) + dt.timedelta(days=4)
        return following - dt.timedelta(days=following.day)
    return date


def first_day(date: dt.date, precision: DatePrecision | str) -> dt.date:
    """The first day of the span ``date`` names at ``precision`` (its stored form)."""
    if precision == DatePrecision.YEAR:
        return date.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return date.replace(day=1)
    return date


def known_text(date: dt.date | None, precision: DatePrecision | str | None) -> str:
    """A date as far as it is known: ``2004``, ``2004-06``, ``2004-06-21`` or ``unknown``."""
    if date is None or precision == DatePrecision.UNKNOWN:
        return "unknown"
    if precision == DatePrecision.YEAR:
        return f"{date.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{date.year:04d}-{date.month:02d}"
    return date.isoformat()


def check_known_date(row: MutableMapping[str, Any], field: str, record: str | None = None) -> None:
    """Check a date field and its ``{field}_precision`` together, and store the date as the
    first day of its span.

    No date and no precision is an unknown date; a date without a precision is known to the
    day. A precision of day, month or year needs the date; ``unknown`` takes none. Only the
    fields present in ``row`` are checked (an edit gives both or neither).
    """
    name = f"{field}_precision"
    if field not in row and name not in row:
        return
    date, precision = row.get(field), row.get(name)
    if precision is None:
        precision = DatePrecision.DAY if date is not None else DatePrecision.UNKNOWN
    if precision == DatePrecision.UNKNOWN and date is not None:
        raise BadInput(
            f"{field} is given but {name} is 'unknown'",
            field=name,
            value=precision,
            record=record,
            fix=f"Leave {field} empty for an unknown date, or give the precision the date "
            "is known to: day, month or year",
        )
    if precision != DatePrecision.UNKNOWN and date is None:
        raise BadInput(
            f"{name} is '{precision}' but {field} is empty",
            field=field,
            record=record,
            fix=f"Give {field} (its first day for a month or year, e.g. 2004-06-01), or set "
            f"{name} to unknown",
        )
    row[field] = first_day(date, precision) if date is not None else None
    row[name] = str(precision)
