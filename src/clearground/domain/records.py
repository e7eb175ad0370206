"""The rules of a record kind (``KindSpec``: its controlled fields, required fields and the shape of
its geometry; each kind's are in its descriptor, ``store/kinds.py``) and the check of a
controlled value."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from clearground.domain import enums as e
from clearground.domain.errors import BadInput


@dataclass(frozen=True)
class KindSpec:
    """Rules of one record kind.

    ``enums`` maps a field to its vocabulary; ``geometry`` is "polygon", "point", "any" or
    None; ``required`` lists fields that must be given on creation; ``check``, the kind's
    own rule over a whole record (its values once their types are checked, and the local id
    for messages), raising :class:`BadInput`: the registry calls it on every write, whatever
    the path (entry, edit, import, field forms). ``known_dates`` lists the date fields kept
    with their precision (a ``{field}_precision`` column, :mod:`clearground.domain.dates`):
    such a field may be empty (unknown) or known only to its month or year.
    """

    enums: dict[str, type[StrEnum]] = field(default_factory=dict)
    geometry: str | None = None
    geometry_required: bool = False
    required: tuple[str, ...] = ()
    check: Callable[[Mapping[str, Any], str | None], None] | None = None
    known_dates: tuple[str, ...] = ()
    lists: dict[str, type[StrEnum]] = field(default_factory=dict)
    """List fields whose every item is of a vocabulary (a hazard's ``blockages``)."""


REVIEW_STATUSES = tuple(s.value for s in e.ReviewStatus)


def check_choices(
    value: object,
    vocabulary: type[StrEnum],
    field_name: str,
    record: str | None = None,
) -> list[str]:
    """``value`` (a list, or text with commas or semicolons between the items) as a list of
    members of ``vocabulary``, each once, in the order given; an unknown item is refused
    naming it and the nearest allowed."""
    if value is None:
        return []
    if isinstance(value, str):
        items: list[object] = [v.strip() for v in value.replace(";", ",").split(",")]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise BadInput(
            f"{field_name} must be a list",
            field=field_name,
            value=value,
            record=record,
            fix=f"Give the items separated by commas: {', '.join(m.value for m in vocabulary)}",
        )
    out: list[str] = []
    for item in items:
        if item in (None, ""):
            continue
        choice = check_choice(str(item).strip().lower(), vocabulary, field_name, record)
        if choice not in out:
            out.append(choice)
    return out


def check_choice(
    value: object,
    vocabulary: type[StrEnum] | tuple[str, ...],
    field_name: str,
    record: str | None = None,
) -> str:
    """Return ``value`` as a valid member of ``vocabulary`` or raise, suggesting the nearest."""
    allowed = [m.value for m in vocabulary] if isinstance(vocabulary, type) else list(vocabulary)
    text = str(value)
    if text in allowed:
        return text
    near = difflib.get_close_matches(text.lower(), allowed, n=3, cutoff=0.4)
    hint = f"Did you mean {' or '.join(repr(n) for n in near)}? " if near else ""
    raise BadInput(
        f"unknown value for {field_name}",
        field=field_name,
        value=value,
        record=record,
        fix=f"{hint}Allowed: {', '.join(allowed)}",
    )
