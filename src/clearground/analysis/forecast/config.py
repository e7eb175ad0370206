"""The parameters of the forecast: productivity ranges, terrain, fleet, what-ifs; the assets file.

Defaults and their sources are in docs/PLANNING.md; ``ForecastConfig.from_mapping`` reads the
assets file (docs/examples/assets.yaml) and names what it refuses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from clearground.analysis.prioritisation import ConfigReader
from clearground.domain.errors import BadInput

METHODS = ("manual", "mechanical", "mdd")
KIND_METHOD = {"manual_team": "manual", "machine": "mechanical", "mdd": "mdd"}
METHOD_KIND = {v: k for k, v in KIND_METHOD.items()}
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Productivity:
    """Area one asset clears on flat ground in a working day (m²): a triangular range."""

    low: float
    mode: float
    high: float
    source: str = ""


DEFAULT_PRODUCTIVITY: dict[str, Productivity] = {
    "manual": Productivity(
        80.0,
        160.0,
        400.0,
        "HALO Trust: 10-50 m² per deminer per day depending on terrain; a team of 8 deminers "
        "working (assumption); mode 20 m² per deminer (assumption)",
    ),
    "mechanical": Productivity(
        2000.0,
        5000.0,
        10000.0,
        "ASFAT/Turkish MoD: MEMATT clears 1 km x 1.7 m (1,700 m²) an hour; high = 6 hours of "
        "that; CMAC flail: up to 15,000 m² in a 5-hour day on flat ground; mode and low are "
        "assumptions (overlap, turning, breakdowns)",
    ),
    "mdd": Productivity(
        400.0,
        800.0,
        1200.0,
        "NPA: a mine detection dog can release 800 m² in a working day; SFOR (2001): two dogs "
        "800-900 m² a day; low and high are assumptions",
    ),
}
DEFAULT_TERRAIN_FACTOR = {"flat": 1.0, "hilly": 0.7, "mountain": 0.4}


@dataclass(frozen=True)
class WhatIf:
    """A change to the fleet: assets added (negative: withdrawn) by kind, from a date."""

    name: str
    add: Mapping[str, int]
    start: dt.date | None = None  # None: from the start of the forecast


@dataclass(frozen=True)
class ForecastConfig:
    """Parameters of the forecast; ``from_mapping`` reads the assets file."""

    working_days_per_year: float = 220.0
    productivity: Mapping[str, Productivity] = field(
        default_factory=lambda: dict(DEFAULT_PRODUCTIVITY)
    )
    use_recorded_productivity: bool = True
    terrain_factor: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_TERRAIN_FACTOR)
    )
    district_terrain: Mapping[str, str] = field(default_factory=dict)
    default_terrain: str = "flat"
    fleet: Mapping[str, int] | None = None
    survey_share: float | None = None
    utilisation: float = 1.0
    calibrate: bool = False
    allocation: str = "history"
    history_days: int = 365
    horizon_years: float = 100.0
    what_if: tuple[WhatIf, ...] = ()

    @classmethod
    def from_mapping(cls, data: Any, source: str | None = None) -> ForecastConfig:
        """The configuration from a parsed assets file (see docs/examples/assets.yaml)."""
        r = ConfigReader(source)
        data = r.mapping(data, "(top level)", allow_none=True) or {}
        r.known(
            data,
            "",
            (
                "working_days_per_year",
                "productivity_m2_per_day",
                "use_recorded_productivity",
                "terrain_factor",
                "district_terrain",
                "default_terrain",
                "fleet",
                "survey_share",
                "utilisation",
                "calibrate",
                "allocation",
                "history_days",
                "horizon_years",
                "what_if",
            ),
        )
        base = cls()
        out: dict[str, Any] = {}
        if "working_days_per_year" in data:
            out["working_days_per_year"] = r.number(
                data["working_days_per_year"],
                "working_days_per_year",
                minimum=0.0,
                maximum=366.0,
                strict=True,
            )
        prod = dict(base.productivity)
        given = (
            r.mapping(
                data.get("productivity_m2_per_day"), "productivity_m2_per_day", allow_none=True
            )
            or {}
        )
        r.known(given, "productivity_m2_per_day", METHODS)
        for method, spec in given.items():
            where = f"productivity_m2_per_day.{method}"
            spec = r.mapping(spec, where)
            r.known(spec, where, ("low", "mode", "high", "source"))
            old = prod[method]
            low = r.number(spec.get("low", old.low), f"{where}.low", minimum=0.0, strict=True)
            mode = r.number(spec.get("mode", old.mode), f"{where}.mode", minimum=0.0, strict=True)
            high = r.number(spec.get("high", old.high), f"{where}.high", minimum=0.0, strict=True)
            if not low <= mode <= high:
                raise BadInput(
                    f"low {low:g}, mode {mode:g}, high {high:g} are not in order",
                    field=where,
                    source=source,
                    fix="Give low <= mode <= high",
                )
            prod[method] = Productivity(low, mode, high, str(spec.get("source", "assets file")))
        out["productivity"] = prod
        if "use_recorded_productivity" in data:
            out["use_recorded_productivity"] = _bool(r, data, "use_recorded_productivity")
        if "calibrate" in data:
            out["calibrate"] = _bool(r, data, "calibrate")
        factors = dict(base.terrain_factor)
        given_f = r.mapping(data.get("terrain_factor"), "terrain_factor", allow_none=True) or {}
        for name, value in given_f.items():
            factors[name] = r.number(
                value, f"terrain_factor.{name}", minimum=0.0, maximum=1e3, strict=True
            )
        out["terrain_factor"] = factors
        terrain = r.mapping(data.get("district_terrain"), "district_terrain", allow_none=True)
        for district, cls_name in (terrain or {}).items():
            if cls_name not in factors:
                raise BadInput(
                    f"unknown terrain '{cls_name}'",
                    field=f"district_terrain.{district}",
                    source=source,
                    fix=f"Use one of {', '.join(factors)} or add it under terrain_factor",
                )
        out["district_terrain"] = {str(k): str(v) for k, v in (terrain or {}).items()}
        if "default_terrain" in data:
            if data["default_terrain"] not in factors:
                raise BadInput(
                    f"unknown terrain '{data['default_terrain']}'",
                    field="default_terrain",
                    source=source,
                    fix=f"Use one of {', '.join(factors)}",
                )
            out["default_terrain"] = str(data["default_terrain"])
        if data.get("fleet") is not None:
            out["fleet"] = _counts(r, data["fleet"], "fleet", allow_negative=False)
        if data.get("survey_share") is not None:
            out["survey_share"] = r.number(
                data["survey_share"], "survey_share", minimum=0.0, maximum=0.99
            )
        if "utilisation" in data:
            out["utilisation"] = r.number(
                data["utilisation"], "utilisation", minimum=0.0, maximum=100.0, strict=True
            )
        if "allocation" in data:
            if data["allocation"] not in ("history", "remaining"):
                raise BadInput(
                    f"unknown allocation '{data['allocation']}'",
                    field="allocation",
                    source=source,
                    fix="Use history or remaining",
                )
            out["allocation"] = str(data["allocation"])
        if "history_days" in data:
            out["history_days"] = int(
                r.number(data["history_days"], "history_days", minimum=1.0, maximum=36600.0)
            )
        if "horizon_years" in data:
            out["horizon_years"] = r.number(
                data["horizon_years"], "horizon_years", minimum=0.0, maximum=1000.0, strict=True
            )
        what = []
        for i, item in enumerate(r.sequence(data.get("what_if"), "what_if")):
            where = f"what_if[{i}]"
            item = r.mapping(item, where)
            r.known(item, where, ("name", "add", "from"))
            start = item.get("from")
            if start is not None and not isinstance(start, dt.date):
                try:
                    start = dt.date.fromisoformat(str(start))
                except ValueError:
                    raise BadInput(
                        f"cannot read '{start}' as a date",
                        field=f"{where}.from",
                        source=source,
                        fix="Write dates as YYYY-MM-DD",
                    ) from None
            what.append(
                WhatIf(
                    str(item.get("name") or f"what-if {i + 1}"),
                    _counts(r, item.get("add"), f"{where}.add", allow_negative=True),
                    start,
                )
            )
        out["what_if"] = tuple(what)
        return replace(base, **out)

    def as_dict(self) -> dict[str, Any]:
        return {
            "working_days_per_year": self.working_days_per_year,
            "productivity_m2_per_day": {
                m: {"low": p.low, "mode": p.mode, "high": p.high, "source": p.source}
                for m, p in self.productivity.items()
            },
            "use_recorded_productivity": self.use_recorded_productivity,
            "terrain_factor": dict(self.terrain_factor),
            "district_terrain": dict(self.district_terrain),
            "default_terrain": self.default_terrain,
            "fleet": None if self.fleet is None else dict(self.fleet),
            "survey_share": self.survey_share,
            "utilisation": self.utilisation,
            "calibrate": self.calibrate,
            "allocation": self.allocation,
            "history_days": self.history_days,
            "horizon_years": self.horizon_years,
            "what_if": [
                {
                    "name": w.name,
                    "add": dict(w.add),
                    "from": w.start.isoformat() if w.start else None,
                }
                for w in self.what_if
            ],
        }


def _bool(r: ConfigReader, data: Mapping[str, Any], key: str) -> bool:
    value = data[key]
    if not isinstance(value, bool):
        raise r.fail("expected true or false", key, "Write true or false", value)
    return value


def _counts(r: ConfigReader, value: Any, where: str, *, allow_negative: bool) -> dict[str, int]:
    counts = r.mapping(value, where)
    r.known(counts, where, tuple(KIND_METHOD))
    out = {}
    for kind, n in counts.items():
        x = r.number(n, f"{where}.{kind}", minimum=None if allow_negative else 0.0)
        if x != int(x):
            raise r.fail("expected a whole number of assets", f"{where}.{kind}", "Write e.g. 10", n)
        out[kind] = int(x)
    return out


def parse_additions(values: Sequence[str], source: str = "--add") -> WhatIf | None:
    """``["machine=10", "mdd=4"]`` (the command line's ``--add``) as one what-if."""
    if not values:
        return None
    add: dict[str, int] = {}
    for text in values:
        kind, _, n = text.partition("=")
        kind = kind.strip()
        if kind not in KIND_METHOD or not n.strip().lstrip("-").isdigit():
            raise BadInput(
                f"cannot read '{text}'",
                field=source,
                value=text,
                fix=f"Write KIND=N with KIND one of {', '.join(KIND_METHOD)}, e.g. machine=10",
            )
        add[kind] = add.get(kind, 0) + int(n)
    name = "add " + ", ".join(
        f"{n} {k.replace('_', ' ')}{'s' if abs(n) != 1 else ''}" for k, n in add.items()
    )
    return WhatIf(name, add)
