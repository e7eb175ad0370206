"""The record kinds: one descriptor per kind (``Kind``), in one registry (``KINDS``).

A descriptor says everything the layers above need to know about a kind: its names (the
command line's and the URLs' plural, the singular, its label in en/az/ru), its table, its
rules (controlled fields, required fields, geometry shape: a domain ``KindSpec``), the
references its input names by a readable value, the date its period filters use, whose a
record is (``Owner``), which roles read, write and review it, whether and how the public sees
it (``Public``), and its OGC API Features collection. Import and checks, export, the REST API,
OGC API Features, the record pages and entry forms, the review queue, the permission rules
(``store/access.py``) and the interface's kind labels read the descriptors instead of listing
kinds themselves. What is special to one kind (the land-release rules of activities, a
minefield record's traverse) stays in its domain module.

Adding a kind: its table (``store/tables.py``) and migration, its descriptor here, its domain
rules and its tests; docs/ARCHITECTURE.md walks through it, and ``tests/test_kinds.py`` does
it with a throwaway kind registered for one test (:func:`registered`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any, TypeVar

from clearground.domain import enums as e
from clearground.domain.errors import BadInput
from clearground.domain.monitoring import check_visit
from clearground.domain.records import KindSpec
from clearground.store import tables as t

REVIEWERS = frozenset({"admin", "im_officer"})
"""Roles that approve and reject records of every kind, and write every kind."""
STAFF = frozenset({"admin", "im_officer", "manager", "operator"})
"""Roles that read most kinds (operators: some of them only their organisation's rows)."""


class Public(StrEnum):
    """What the public (and donors) see of a kind."""

    COARSE = "coarse"
    """Approved records, each as its centroid snapped to the 0.1° grid, and aggregates."""
    AGGREGATE = "aggregate"
    """Only figures summed over many records."""
    NEVER = "never"
    """Nothing, not even a count per record (victims' personal data)."""


@dataclass(frozen=True)
class Reference:
    """A reference a record's input names by a readable value (``"organisation":
    "ANAMA"``), stored as the id of the record it names."""

    name: str  # the name in input and on forms ("organisation")
    column: str  # the column set ("organisation_id")
    target: str  # the kind named (a key of ``KINDS``)
    by: str  # the target's column the value is looked up in ("name", "local_id", "code")

    @property
    def table(self) -> type[t.Base]:
        return get(self.target).table


@dataclass(frozen=True)
class Owner:
    """Whose a record is, for the row rules of operators and the write rules.

    ``column``: the row's own organisation column; ``through``: a reference column, the record
    then being its target's owner's (a find is its activity's organisation's; one without an
    activity is the centre's); neither: the organisation of the user who created the record.
    """

    column: str | None = None
    through: str | None = None

    @property
    def by_organisation(self) -> bool:
        """Whether an operator reads only its own organisation's rows of the kind."""
        return self.column is not None or self.through is not None


@dataclass(frozen=True)
class Collection:
    """A kind's OGC API Features collection (``/ogc/collections/{name}``)."""

    title: str
    properties: tuple[str, ...]  # for roles that read exact data
    public_properties: tuple[str, ...]  # for the public and donors (coarse points)
    date: str | None = None  # the column ``datetime`` filters on (None: the kind's ``date``)
    order: int = 100  # its place in the list of collections (lowest first; then by kind order)


@dataclass(frozen=True)
class MapLayer:
    """A layer of the map page (``/api/map/{name}``) drawing one geometry column of a kind.

    ``district`` and ``organisation`` say where a feature's district and organisation come
    from, for the map's filters and the operator's row rule: a column of the kind
    (``"location_id"``) or a column of the record one of its references names
    (``"hazard_id.location_id"``: the district of an activity's hazard); None: none.
    ``worked_by``: a kind whose records name this one (an activity its hazard) and whose
    organisations count as this record's for the organisation filter.
    """

    name: str
    colour: str  # of its features and its swatch (CSS colour)
    geometry: str = "geometry"
    properties: tuple[str, ...] | None = None  # sent with each feature (None: the collection's)
    status: bool = False  # features coloured and filtered by their ``status`` (hazard status)
    district: str | None = "location_id"
    organisation: str | None = None
    worked_by: str | None = None
    exact_only: bool = False  # only for roles that read exact positions
    checked: bool = True  # shown when the page opens
    label: Mapping[str, str] | None = None  # None: the kind's label


@dataclass(frozen=True)
class Kind:
    """The descriptor of one record kind."""

    name: str
    """Plural, as the command line and the URLs say it (``import hazards``)."""
    singular: str
    table: type[t.Base]
    rules: KindSpec
    label: Mapping[str, str]
    """The kind's name in each language of the interface (en, az, ru)."""
    references: tuple[Reference, ...] = ()
    date: str | None = "info_date"
    """The date column a period (``--from``/``--until``) filters on (None: through a
    reference, as victims by their accident's date)."""
    owner: Owner = field(default_factory=Owner)
    readers: frozenset[str] = STAFF
    """Roles that may read the kind (an operator only its organisation's rows where the owner
    rule says so; a donor see ``donor_column``)."""
    writers: frozenset[str] = REVIEWERS
    """Roles that may create and edit records of the kind (operators: their own, while drafts
    or rejected)."""
    reviewers: frozenset[str] = REVIEWERS
    """Roles that may approve and reject records of the kind."""
    donor_column: str | None = None
    """For a kind donors read: the column naming the donor, who reads its own approved rows."""
    public: Public = Public.AGGREGATE
    collection: Collection | None = None
    """Its OGC API Features collection, if it has one (a spatial kind)."""
    in_review_queue: bool = True
    """Whether its records wait in the review queue (reference lists such as ordnance types
    and exchange rates are entered approved by reviewers and do not)."""
    units: Mapping[str, str] = field(default_factory=dict)
    """Units of its numeric fields (``{"area_m2": "m²"}``), for forms and docs."""
    map_layers: tuple[MapLayer, ...] = ()
    """Its layers on the map page (a spatial kind with a collection), in the page's order."""
    field_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Labels of its own fields in each language (``{"visit_date": {"en": ..., "az": ...,
    "ru": ...}}``); fields shared by many kinds are labelled in ``web/locale/records.yaml``."""

    def reference(self, name: str) -> Reference | None:
        return next((r for r in self.references if r.name == name), None)

    def reference_at(self, column: str | None) -> Reference | None:
        """The reference stored in ``column`` (``"activity_id"``), if one is."""
        return next((r for r in self.references if r.column == column), None)

    @cached_property
    def resolved_references(self) -> dict[str, tuple[str, type[t.Base], str]]:
        """``{name given: (column set, target table, column looked up)}``, worked out once:
        the registry reads it for every row it writes."""
        return {r.name: (r.column, r.table, r.by) for r in self.references}


def _ref(name: str, target: str, by: str = "local_id", column: str | None = None) -> Reference:
    return Reference(name, column or f"{name}_id", target, by)


_AREA = {"area_m2": "m²"}
_LOCATION = _ref("location", "locations", "name")
_ORGANISATION = _ref("organisation", "organisations", "name")
_ORDNANCE = _ref("ordnance", "ordnance", "code")
_BY_ORGANISATION = Owner(column="organisation_id")
_OPERATOR_WRITES = REVIEWERS | {"operator"}
_NOT_OPERATOR = STAFF - {"operator"}

_BUILT_IN = (
    Kind(
        "locations",
        "location",
        t.Location,
        KindSpec({"kind": e.LocationKind}, "any", required=("name", "kind")),
        {"en": "Locations", "az": "Yerlər", "ru": "Места"},
        (_ref("parent", "locations", "name"),),
        in_review_queue=False,
    ),
    Kind(
        "organisations",
        "organisation",
        t.Organisation,
        KindSpec({"kind": e.OrganisationKind}, required=("name", "kind")),
        {"en": "Organisations", "az": "Təşkilatlar", "ru": "Организации"},
        (_ref("parent", "organisations", "name"),),
    ),
    Kind(
        "assets",
        "asset",
        t.Asset,
        KindSpec(
            {"kind": e.AssetKind, "method": e.Method},
            required=("name", "kind", "method", "organisation_id"),
        ),
        {"en": "Assets", "az": "Vəsaitlər", "ru": "Средства"},
        (_ORGANISATION,),
        owner=_BY_ORGANISATION,
    ),
    Kind(
        "ordnance",
        "ordnance type",
        t.Ordnance,
        KindSpec({"category": e.DeviceCategory}, required=("code", "name", "category")),
        {"en": "Ordnance", "az": "Sursat", "ru": "Боеприпасы"},
        in_review_queue=False,
    ),
    Kind(
        "handovers",
        "handover",
        t.Handover,
        KindSpec(required=("handover_date", "handed_over_by")),
        {"en": "Handovers", "az": "Təhvil vermələr", "ru": "Передачи"},
        date="handover_date",
    ),
    Kind(
        "records",
        "minefield record",
        t.MinefieldRecord,
        KindSpec({"bearing_type": e.BearingType}, "polygon"),
        {
            "en": "Minefield records",
            "az": "Minalanmış sahə formulyarları",
            "ru": "Формуляры минных полей",
        },
        (_ref("handover", "handovers"), _LOCATION),
        writers=_OPERATOR_WRITES,
        public=Public.COARSE,
        collection=Collection(
            "Minefield records (perimeters)",
            (
                "local_id",
                "record_number",
                "laid_date",
                "claimed_ap",
                "claimed_at",
                "claimed_total",
                "reliability",
                "area_m2",
                "info_date",
                "review_status",
            ),
            ("local_id", "laid_date", "claimed_total", "reliability"),
            date="laid_date",
            order=2,
        ),
        units={**_AREA, "closure_error_m": "m"},
        map_layers=(
            MapLayer("records", "#6a3d9a"),
            MapLayer(
                "record_rows",
                "#3f007d",
                geometry="rows_geometry",
                properties=(
                    "local_id",
                    "record_number",
                    "laid_date",
                    "claimed_total",
                    "reliability",
                    "review_status",
                ),
                exact_only=True,
                checked=False,
                label={"en": "Mine rows", "az": "Mina cərgələri", "ru": "Минные ряды"},
            ),
        ),
    ),
    Kind(
        "hazards",
        "hazardous area",
        t.Hazard,
        KindSpec(
            {"kind": e.HazardKind, "status": e.HazardStatus, "contamination": e.Contamination},
            "polygon",
            True,
            ("kind",),
            lists={"blockages": e.Blockage},
        ),
        {"en": "Hazardous areas", "az": "Təhlükəli ərazilər", "ru": "Опасные районы"},
        (_LOCATION, _ref("record", "records", column="minefield_record_id")),
        writers=_OPERATOR_WRITES,
        public=Public.COARSE,
        collection=Collection(
            "Hazardous areas (SHA/CHA)",
            (
                "local_id",
                "kind",
                "status",
                "contamination",
                "name",
                "expected_devices",
                "estimated_area_m2",
                "area_m2",
                "info_date",
                "review_status",
            ),
            ("local_id", "kind", "status", "contamination", "area_m2", "info_date"),
            order=1,
        ),
        units={**_AREA, "estimated_area_m2": "m²"},
        map_layers=(MapLayer("hazards", "#d7301f", status=True, worked_by="activities"),),
    ),
    Kind(
        "activities",
        "activity",
        t.Activity,
        KindSpec(
            {"kind": e.ActivityKind, "result": e.ReleaseResult, "method": e.Method},
            "polygon",
            True,
            ("kind", "method", "organisation_id", "start_date"),
        ),
        {"en": "Activities", "az": "Fəaliyyətlər", "ru": "Работы"},
        (
            _ref("hazard", "hazards"),
            _ORGANISATION,
            _ref("asset", "assets"),
            _ref("task", "tasks"),
        ),
        date="end_date",
        owner=_BY_ORGANISATION,
        writers=_OPERATOR_WRITES,
        public=Public.COARSE,
        collection=Collection(
            "Survey and clearance activities",
            (
                "local_id",
                "kind",
                "result",
                "method",
                "organisation_id",
                "start_date",
                "end_date",
                "area_m2",
                "review_status",
            ),
            ("local_id", "kind", "result", "method", "start_date", "end_date", "area_m2"),
            order=3,
        ),
        units=_AREA,
        map_layers=(
            MapLayer(
                "activities",
                "#2171b5",
                district="hazard_id.location_id",
                organisation="organisation_id",
                checked=False,
            ),
        ),
    ),
    Kind(
        "finds",
        "find",
        t.Find,
        KindSpec({"disposal": e.Disposal}, "point", True, ("ordnance_id", "found_date")),
        {"en": "Finds", "az": "Tapıntılar", "ru": "Находки"},
        (_ref("activity", "activities"), _ORDNANCE, _LOCATION),
        date="found_date",
        owner=Owner(through="activity_id"),
        writers=_OPERATOR_WRITES,
        public=Public.COARSE,
        collection=Collection(
            "Finds of explosive ordnance",
            ("local_id", "ordnance_id", "quantity", "found_date", "disposal", "review_status"),
            ("local_id", "ordnance_id", "quantity", "found_date"),
            order=4,
        ),
        map_layers=(MapLayer("finds", "#ff7f00", organisation="activity_id.organisation_id"),),
    ),
    Kind(
        "accidents",
        "accident",
        t.Accident,
        KindSpec(
            {"kind": e.AccidentKind, "accident_date_precision": e.DatePrecision},
            "point",
            True,
            ("kind",),
            known_dates=("accident_date",),
        ),
        {"en": "Accidents", "az": "Qəzalar", "ru": "Несчастные случаи"},
        (_LOCATION, _ref("activity", "activities"), _ORDNANCE),
        date="accident_date",
        writers=_OPERATOR_WRITES,
        public=Public.COARSE,
        collection=Collection(
            "Accidents and incidents",
            ("local_id", "kind", "accident_date", "description", "review_status"),
            ("local_id", "kind", "accident_date"),
            order=5,
        ),
        map_layers=(MapLayer("accidents", "#111111", organisation="activity_id.organisation_id"),),
    ),
    Kind(
        "victims",
        "victim",
        t.Victim,
        KindSpec(
            {
                "sex": e.Sex,
                "age_group": e.AgeGroup,
                "status": e.VictimStatus,
                "outcome": e.Outcome,
            },
            required=("accident_id", "status", "outcome"),
        ),
        {"en": "Victims", "az": "Zərərçəkənlər", "ru": "Пострадавшие"},
        (_ref("accident", "accidents"), _ref("home_location", "locations", "name")),
        date=None,  # by the date of the victim's accident
        readers=REVIEWERS,
        public=Public.NEVER,
    ),
    Kind(
        "funding",
        "funding record",
        t.Funding,
        KindSpec(required=("donor_id", "amount", "currency", "funding_date")),
        {"en": "Funding", "az": "Maliyyələşmə", "ru": "Финансирование"},
        (_ref("donor", "organisations", "name"), _ref("recipient", "organisations", "name")),
        date="funding_date",
        readers=_NOT_OPERATOR | {"donor"},
        donor_column="donor_id",
    ),
    Kind(
        "exchange_rates",
        "exchange rate",
        t.ExchangeRate,
        KindSpec(required=("rate_date", "currency", "quote_currency", "rate")),
        {"en": "Exchange rates", "az": "Məzənnələr", "ru": "Курсы валют"},
        date="rate_date",
        readers=_NOT_OPERATOR,
        in_review_queue=False,
    ),
    Kind(
        "tasks",
        "task",
        t.Task,
        KindSpec(
            {"status": e.TaskStatus, "kind": e.ActivityKind},
            required=("organisation_id", "kind"),
        ),
        {"en": "Tasks", "az": "Tapşırıqlar", "ru": "Задачи"},
        (_ref("hazard", "hazards"), _ORGANISATION, _ref("asset", "assets")),
        owner=_BY_ORGANISATION,
        writers=_OPERATOR_WRITES,
        reviewers=REVIEWERS | {"manager"},
    ),
    Kind(
        "monitoring_visits",
        "monitoring visit",
        t.MonitoringVisit,
        KindSpec(
            {"kind": e.VisitKind, "result": e.VisitResult},
            required=("task_id", "visit_date", "kind", "result"),
            check=check_visit,
        ),
        {"en": "Monitoring visits", "az": "Monitorinq səfərləri", "ru": "Инспекционные визиты"},
        (_ref("task", "tasks"),),
        date="visit_date",
        owner=Owner(through="task_id"),
        field_labels={
            "task": {"en": "Task", "az": "Tapşırıq", "ru": "Задача"},
            "visit_date": {"en": "Date of visit", "az": "Səfər tarixi", "ru": "Дата визита"},
            "monitor": {"en": "Monitor", "az": "Monitorinqçi", "ru": "Инспектор"},
            "critical_findings": {
                "en": "Critical findings",
                "az": "Kritik uyğunsuzluqlar",
                "ru": "Критические несоответствия",
            },
            "major_findings": {
                "en": "Major findings",
                "az": "Əsas uyğunsuzluqlar",
                "ru": "Значительные несоответствия",
            },
            "minor_findings": {
                "en": "Minor findings",
                "az": "Kiçik uyğunsuzluqlar",
                "ru": "Незначительные несоответствия",
            },
            "checklist": {"en": "Checklist", "az": "Yoxlama siyahısı", "ru": "Контрольный список"},
        },
    ),
)

KINDS: dict[str, Kind] = {k.name: k for k in _BUILT_IN}
"""Every record kind by its name, in the order the interface lists them."""


def get(name: str) -> Kind:
    """The descriptor of kind ``name`` (BadInput naming the kinds if there is none)."""
    try:
        return KINDS[name]
    except KeyError:
        raise BadInput(
            f"unknown record kind '{name}'",
            field="kind",
            value=name,
            fix=f"Use one of: {', '.join(KINDS)}",
        ) from None


def of_table(table: type[t.Base]) -> Kind:
    """The kind stored in ``table``."""
    return next(k for k in KINDS.values() if k.table is table)


def with_collection() -> list[Kind]:
    """The kinds that have an OGC API Features collection."""
    having = [k for k in KINDS.values() if k.collection is not None]
    return sorted(having, key=lambda k: k.collection.order if k.collection else 0)


V = TypeVar("V")


class Live(Mapping[str, V]):
    """A read-only mapping over the kinds registered now (a kind registered later, or for a
    test, is in it): ``names`` lists its keys, ``value`` gives one entry, raising KeyError for
    a name it does not hold. A lookup computes only the entry asked for."""

    def __init__(self, names: Callable[[], Iterable[str]], value: Callable[[str], V]) -> None:
        self._names = names
        self._value = value

    def __getitem__(self, key: str) -> V:
        return self._value(key)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names()))

    def __len__(self) -> int:
        return len(list(self._names()))


TABLES: Mapping[str, type[t.Base]] = Live(lambda: KINDS, lambda name: KINDS[name].table)
"""The table of each kind by its name (``import KIND``, ``export KIND``)."""
REFERENCES: Mapping[str, dict[str, tuple[str, type[t.Base], str]]] = Live(
    lambda: KINDS, lambda name: KINDS[name].resolved_references
)
"""The references of each kind, as the registry and the importer resolve them."""


def register(kind: Kind) -> None:
    """Add a kind to the registry (its table must exist in the database)."""
    if kind.name in KINDS:
        raise ValueError(f"a record kind '{kind.name}' is registered already")
    KINDS[kind.name] = kind


@contextmanager
def registered(kind: Kind) -> Iterator[Kind]:
    """The registry with ``kind`` in it, for the ``with`` block only (tests)."""
    register(kind)
    try:
        yield kind
    finally:
        KINDS.pop(kind.name, None)


def label(name: str, lang: str) -> str | None:
    """The kind's name in ``lang`` (English if that language has none; None: no such kind)."""
    kind = KINDS.get(name)
    if kind is None:
        return None
    return kind.label.get(lang) or kind.label.get("en")


def map_layers() -> list[tuple[Kind, MapLayer]]:
    """Every layer of the map page with its kind, in the order of the collections."""
    return [(k, layer) for k in with_collection() for layer in k.map_layers]


def layer_label(name: str, lang: str) -> str | None:
    """The name of map layer ``name`` in ``lang`` (its own label, else its kind's)."""
    for kind, layer in map_layers():
        if layer.name == name:
            texts = layer.label or kind.label
            return texts.get(lang) or texts.get("en")
    return None


def field_label(name: str, lang: str) -> str | None:
    """The label of field ``name`` in ``lang`` from the first kind that labels it (English if
    that language has none; None: no kind does)."""
    for kind in KINDS.values():
        texts = kind.field_labels.get(name)
        if texts:
            return texts.get(lang) or texts.get("en")
    return None


def describe(kind: Kind) -> dict[str, Any]:
    """The descriptor as plain data (docs, the API's list of kinds)."""
    return {
        "name": kind.name,
        "singular": kind.singular,
        "label": dict(kind.label),
        "geometry": kind.rules.geometry,
        "required": list(kind.rules.required),
        "enumerations": {f: [m.value for m in v] for f, v in kind.rules.enums.items()},
        "references": {r.name: {"kind": r.target, "by": r.by} for r in kind.references},
        "public": kind.public.value,
        "units": dict(kind.units),
    }
