"""What a batch of rows must respect together: local ids that differ and are not taken, and
land released only from its hazard, without overlaps, within its area."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearground.domain.errors import BadInput, NotFound
from clearground.domain.land_release import check_release_batch
from clearground.store import tables as t

RELEASING = ("cancelled", "reduced", "cleared")


def batch_refusals(
    session: Session, kind: str, rows: Sequence[dict[str, Any]]
) -> list[tuple[int, BadInput]]:
    """Every refusal the batch checks of :meth:`Registry.insert_prepared` would make, in one
    pass: ``(index in rows, the refusal)`` for each row that must be left out so that the
    others pass (a local id given again after its first row; for activities, each release
    outside its hazard, overlapping or over its area, the hazard's other rows checked again
    without it). An import with ``--skip-invalid`` leaves them all out and inserts once."""
    out = list(_repeated_local_ids(rows))
    if kind != "activities":
        return out
    left = {i for i, _ in out}
    by_hazard: dict[Any, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        if i not in left and r.get("result") in RELEASING:
            by_hazard[r.get("hazard_id")].append(i)
    for hid, indexes in by_hazard.items():
        while indexes:
            try:
                check_land_release(session, [rows[i] for i in indexes])
                break
            except BadInput as exc:
                at = next(
                    (
                        i
                        for i in indexes
                        if exc.record is not None and rows[i].get("local_id") == exc.record
                    ),
                    indexes[0] if hid is None else None,
                )
                if at is None:  # not one row's fault: leave the hazard's rows to the insert
                    break
                out.append((at, exc))
                indexes.remove(at)
    return sorted(out, key=lambda pair: pair[0])


def _repeated_local_ids(rows: Sequence[dict[str, Any]]) -> Iterator[tuple[int, BadInput]]:
    """``(index, refusal)`` for each row whose local id an earlier row of ``rows`` has."""
    seen: set[str] = set()
    for i, r in enumerate(rows):
        lid = str(r.get("local_id"))
        if lid in seen:
            yield (
                i,
                BadInput(
                    "local id given twice",
                    field="local_id",
                    value=lid,
                    row=i + 1,
                    record=lid,
                    fix="Each record needs its own local id",
                ),
            )
        seen.add(lid)


def check_local_ids_differ(rows: Sequence[dict[str, Any]]) -> None:
    for _, refusal in _repeated_local_ids(rows):
        raise refusal


def check_unique_local_ids(
    session: Session, table: type[t.Base], rows: Sequence[dict[str, Any]]
) -> None:
    """Refuse rows whose local id is taken (one query per 500 ids: for small batches)."""
    ids = [r["local_id"] for r in rows if r.get("local_id")]
    col = table.local_id  # type: ignore[attr-defined]
    for start in range(0, len(ids), 500):
        taken = (
            session.execute(select(col).where(col.in_(ids[start : start + 500]))).scalars().first()
        )
        if taken is not None:
            raise BadInput(
                "a record with this local id exists already",
                field="local_id",
                value=taken,
                record=taken,
                fix="Edit the existing record (a new version) or choose another id",
            )


def check_land_release(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Refuse releases outside their hazard, overlapping, or exceeding its area."""
    by_hazard: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r.get("result") in RELEASING:
            if r.get("hazard_id") is None:
                raise BadInput(
                    "land can only be released from a hazard",
                    field="hazard",
                    record=r.get("local_id"),
                    fix="Name the hazard this activity worked on",
                )
            by_hazard[r["hazard_id"]].append(r)
    if not by_hazard:
        return
    hazards = {
        h.id: h
        for h in session.execute(
            select(t.Hazard.id, t.Hazard.geometry, t.Hazard.area_m2).where(
                t.Hazard.id.in_(list(by_hazard))
            )
        ).all()
    }
    released: dict[int, list[BaseGeometry]] = defaultdict(list)
    skip = [r["id"] for r in rows if r.get("id") is not None]
    for hid, geom in session.execute(
        select(t.Activity.hazard_id, t.Activity.geometry).where(
            t.Activity.hazard_id.in_(list(by_hazard)),
            t.Activity.result.in_(RELEASING),
            t.Activity.id.not_in(skip),
        )
    ).all():
        released[hid].append(geom)
    for hid, new_rows in by_hazard.items():
        hazard = hazards.get(hid)
        if hazard is None:
            raise NotFound(f"no hazard with id {hid}", field="hazard_id", value=hid)
        check_release_batch(
            hazard.geometry,
            hazard.area_m2,
            released[hid],
            [r["geometry"] for r in new_rows],
            [r.get("local_id") for r in new_rows],
        )
