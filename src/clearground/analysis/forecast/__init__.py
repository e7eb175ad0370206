"""When will each district, and the country, be done? A Monte Carlo completion forecast.

The model (docs/PLANNING.md gives the reasoning and the sources of the defaults):

- **Work left**: the area of every open hazard less what activities have released from it by
  the as-of date, summed by district (m²).
- **Survey**: a share ``s`` of that area will be cancelled (non-technical survey) or reduced
  (technical survey) rather than cleared. ``s`` is estimated from the hazards already closed
  (area cancelled + reduced over area released) and, in each Monte Carlo run, drawn again by
  resampling those hazards (a bootstrap), so its uncertainty is carried into the dates.
  Survey effort itself is not modelled: clearing ``(1 - s)`` of the area is the work.
- **Capacity**: the assets in service on the as-of date (manual teams, machines, dogs), each
  clearing its recorded ``productivity_m2_per_day`` (or the default mode for its method) on
  flat ground per working day, times ``working_days_per_year / 365.25`` per calendar day, times
  ``utilisation``. In each run, the productivity of each method is multiplied by a draw from a
  triangular distribution spanning the published range (low/mode, 1, high/mode).
- **Terrain**: clearance in a district runs at its terrain factor (flat 1, hilly 0.7,
  mountain 0.4 by default) times the flat-ground rate.
- **Where the assets work**: the fleet is shared among the districts in proportion to the area
  each released in the ``history_days`` before the as-of date (a district with work left but
  no recent release gets the smallest such share); when a district is done its share goes to
  the others. ``allocation: remaining`` shares by work left instead.
- **Calibration** (optional): ``utilisation`` is set so that the model's expected release
  (productivity at the mean of its triangular range) over the ``history_days`` before the
  as-of date equals the area the records show released then.

Every run is an exact event simulation (piecewise-constant rates, vectorised over runs with
NumPy): no time step. P50 is the median completion date over the runs, P90 the date by which
90 % of the runs are done (P10 likewise). The same seed gives the same answer; what-ifs reuse
the same random draws, so differences come from the change alone.

One idea a module: ``config`` (the parameters and the assets file), ``inputs`` (work left,
survey history, release and the fleet from the records), ``simulation`` (the event
simulation and its random draws), ``completion`` (:func:`forecast`: baseline and what-ifs),
``result`` (:class:`Forecast`: dates and the JSON document), ``backtesting``
(:func:`backtest`).
"""

from clearground.analysis.forecast.backtesting import backtest
from clearground.analysis.forecast.completion import district_table, forecast
from clearground.analysis.forecast.config import (
    DAYS_PER_YEAR,
    DEFAULT_PRODUCTIVITY,
    DEFAULT_TERRAIN_FACTOR,
    KIND_METHOD,
    METHOD_KIND,
    METHODS,
    ForecastConfig,
    Productivity,
    WhatIf,
    parse_additions,
)
from clearground.analysis.forecast.inputs import (
    RELEASING,
    Fleet,
    capacity_over,
    fleet_at,
    released_between,
    survey_history,
)
from clearground.analysis.forecast.result import Forecast, Outcome
from clearground.analysis.forecast.simulation import bootstrap_share, mean_multiplier, simulate

__all__ = [
    "DAYS_PER_YEAR",
    "DEFAULT_PRODUCTIVITY",
    "DEFAULT_TERRAIN_FACTOR",
    "KIND_METHOD",
    "METHODS",
    "METHOD_KIND",
    "RELEASING",
    "Fleet",
    "Forecast",
    "ForecastConfig",
    "Outcome",
    "Productivity",
    "WhatIf",
    "backtest",
    "bootstrap_share",
    "capacity_over",
    "district_table",
    "fleet_at",
    "forecast",
    "mean_multiplier",
    "parse_additions",
    "released_between",
    "simulate",
    "survey_history",
]
