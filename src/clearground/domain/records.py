"""What each record kind holds: its controlled fields and the shape of its geometry."""

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


KINDS: dict[str, KindSpec] = {
    "locations": KindSpec({"kind": e.LocationKind}, "any", required=("name", "kind")),
    "organisations": KindSpec({"kind": e.OrganisationKind}, required=("name", "kind")),
    "assets": KindSpec(
        {"kind": e.AssetKind, "method": e.Method},
        required=("name", "kind", "method", "organisation_id"),
    ),
    "ordnance": KindSpec({"category": e.DeviceCategory}, required=("code", "name", "category")),
    "handovers": KindSpec(required=("handover_date", "handed_over_by")),
    "records": KindSpec({"bearing_type": e.BearingType}, "polygon"),
    "hazards": KindSpec(
        {"kind": e.HazardKind, "status": e.HazardStatus, "contamination": e.Contamination},
        "polygon",
        True,
        ("kind",),
    ),
    "activities": KindSpec(
        {"kind": e.ActivityKind, "result": e.ReleaseResult, "method": e.Method},
        "polygon",
        True,
        ("kind", "method", "organisation_id", "start_date"),
    ),
    "finds": KindSpec({"disposal": e.Disposal}, "point", True, ("ordnance_id", "found_date")),
    "accidents": KindSpec({"kind": e.AccidentKind}, "point", True, ("kind", "accident_date")),
    "victims": KindSpec(
        {"sex": e.Sex, "age_group": e.AgeGroup, "status": e.VictimStatus, "outcome": e.Outcome},
        required=("accident_id", "status", "outcome"),
    ),
    "funding": KindSpec(required=("donor_id", "amount", "currency", "funding_date")),
    "exchange_rates": KindSpec(required=("rate_date", "currency", "quote_currency", "rate")),
    "tasks": KindSpec(
        {"status": e.TaskStatus, "kind": e.ActivityKind}, required=("organisation_id", "kind")
    ),
}

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
