"""The rules of a record kind (``KindSpec``: its controlled fields, required fields and the shape of
its geometry; each kind's are in its descriptor, ``store/kinds.py``) and the check of a
controlled value."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import StrEnum

from clearground.domain import enums as e
from clearground.domain.errors import BadInput


@dataclass(frozen=True)
class KindSpec:
    """Rules of one record kind.

    ``enums`` maps a field to its vocabulary; ``geometry`` is "polygon", "point", "any" or
    None; ``required`` lists fields that must be given on creation.
    """

    enums: dict[str, type[StrEnum]] = field(default_factory=dict)
    geometry: str | None = None
    geometry_required: bool = False
    required: tuple[str, ...] = ()


REVIEW_STATUSES = tuple(s.value for s in e.ReviewStatus)


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
