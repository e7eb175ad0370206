"""Charts as server-rendered SVG: pure functions from numbers to SVG text.

Two kinds, enough for the dashboard and the reports:

- ``line_chart``: one line (or step line) per series over evenly spaced periods, e.g. the
  cumulative area released by each method at the end of each month;
- ``bar_chart``: one bar per period, the series stacked (or side by side), e.g. devices found
  per month by category, casualties per year by outcome.

Every chart has a y axis starting at 0 with "nice" ticks (1, 2, 2.5 or 5 times a power of
ten) and grid lines, period labels on the x axis (thinned to ``max_x_labels``), an axis
title and a legend. All text is escaped, so labels coming from the database cannot inject
markup. Sizes are SVG user units (the ``viewBox``; the page scales the chart with CSS), and
coordinates are rounded to 0.01 unit.

Layout (user units): the plot area spans ``left`` .. ``width - right`` horizontally and
``top`` .. ``height - bottom`` vertically (``Layout``). On a line chart the first period sits
on the left edge of the plot and the last on the right edge (a single period in the middle);
on a bar chart each period has a band of plot width / periods and its bar fills
``bar_fill`` of the band, centred.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#f0e442",
    "#000000",
)
"""Okabe-Ito colours (told apart by colour-blind readers), in the order series get them."""


@dataclass(frozen=True)
class Layout:
    """Size of a chart and the margins around its plot area, in SVG user units."""

    width: float = 640.0
    height: float = 300.0
    left: float = 64.0
    right: float = 28.0
    top: float = 40.0
    bottom: float = 44.0

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def baseline(self) -> float:
        """The y coordinate of the value 0 (the bottom of the plot area)."""
        return self.top + self.plot_height


def nice_step(largest: float, ticks: int = 5, *, integer: bool = False) -> float:
    """The tick step for an axis from 0 to ``largest``: the smallest of 1, 2, 2.5, 5 times a
    power of ten that gives at most ``ticks`` intervals (at least 1 with ``integer``)."""
    if not math.isfinite(largest) or largest <= 0:
        return 1.0
    raw = largest / max(ticks, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw * (1 - 1e-12))
    if integer:
        step = max(1.0, float(math.ceil(step)))
    return step


def axis_top(largest: float, ticks: int = 5, *, integer: bool = False) -> tuple[float, float]:
    """The top of a y axis from 0 (a whole number of steps, at least ``largest``) and its step."""
    step = nice_step(largest, ticks, integer=integer)
    if not math.isfinite(largest) or largest <= 0:
        return step, step
    return step * math.ceil(largest / step - 1e-9), step


def format_number(value: float) -> str:
    """A tick label: thousands separated by commas, decimals only when needed (up to 2)."""
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _n(value: float) -> str:
    """A coordinate: rounded to 0.01, without a trailing ``.0``."""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _a(value: object) -> str:
    """An attribute value, escaped (quotes included)."""
    return escape(str(value), quote=True)


def _check(labels: Sequence[str], series: Mapping[str, Sequence[float]]) -> None:
    for name, values in series.items():
        if len(values) != len(labels):
            raise ValueError(f"series '{name}' has {len(values)} values for {len(labels)} periods")
        for v in values:
            if not math.isfinite(float(v)) or float(v) < 0:
                raise ValueError(f"series '{name}' has a value {v}: give finite values >= 0")


def _colours(names: Sequence[str], colours: Mapping[str, str] | None) -> dict[str, str]:
    given = dict(colours or {})
    return {n: given.get(n, PALETTE[i % len(PALETTE)]) for i, n in enumerate(names)}


def _label_every(n: int, max_labels: int) -> int:
    return max(1, math.ceil(n / max(max_labels, 1)))


def _open(
    layout: Layout, title: str, element_id: str | None, kind: str, description: str
) -> list[str]:
    ident = f' id="{_a(element_id)}"' if element_id else ""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg"{ident} class="chart {kind}" '
        f'viewBox="0 0 {_n(layout.width)} {_n(layout.height)}" role="img" '
        f'aria-label="{_a(title)}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(description)}</desc>",
    ]


def _y_axis(
    layout: Layout, top_value: float, step: float, y_label: str, fmt: Callable[[float], str]
) -> list[str]:
    """Grid lines, tick labels and the title of the y axis."""
    out = ['<g class="y-axis">']
    count = round(top_value / step)
    for k in range(count + 1):
        value = k * step
        y = layout.baseline - value / top_value * layout.plot_height
        out.append(
            f'<line class="grid" x1="{_n(layout.left)}" y1="{_n(y)}" '
            f'x2="{_n(layout.width - layout.right)}" y2="{_n(y)}" stroke="#d8dee2" />'
        )
        out.append(
            f'<text class="tick" x="{_n(layout.left - 6)}" y="{_n(y + 4)}" '
            f'text-anchor="end" font-size="11">{escape(fmt(value))}</text>'
        )
    out.append(
        f'<line class="axis" x1="{_n(layout.left)}" y1="{_n(layout.top)}" '
        f'x2="{_n(layout.left)}" y2="{_n(layout.baseline)}" stroke="#56646c" />'
    )
    cx, cy = 14.0, layout.top + layout.plot_height / 2
    out.append(
        f'<text class="axis-title" x="{_n(cx)}" y="{_n(cy)}" text-anchor="middle" '
        f'font-size="12" transform="rotate(-90 {_n(cx)} {_n(cy)})">{escape(y_label)}</text>'
    )
    out.append("</g>")
    return out


def _x_axis(
    layout: Layout, labels: Sequence[str], xs: Sequence[float], max_labels: int
) -> list[str]:
    """The x axis line and the period labels (the first and every k-th after it)."""
    out = [
        '<g class="x-axis">',
        f'<line class="axis" x1="{_n(layout.left)}" y1="{_n(layout.baseline)}" '
        f'x2="{_n(layout.width - layout.right)}" y2="{_n(layout.baseline)}" stroke="#56646c" />',
    ]
    every = _label_every(len(labels), max_labels)
    for i in range(0, len(labels), every):
        out.append(
            f'<text class="tick" x="{_n(xs[i])}" y="{_n(layout.baseline + 16)}" '
            f'text-anchor="middle" font-size="11">{escape(str(labels[i]))}</text>'
        )
    out.append("</g>")
    return out


def _legend(layout: Layout, names: Sequence[str], colours: Mapping[str, str]) -> list[str]:
    """Coloured squares and series names in rows above the plot area (the text width is
    estimated at 6.5 units a character)."""
    out = ['<g class="legend">']
    x = layout.left
    y = 14.0
    for name in names:
        label = str(name)
        if x > layout.left and x + 14 + 6.5 * len(label) > layout.width - layout.right:
            x = layout.left
            y += 14.0
        out.append(
            f'<rect x="{_n(x)}" y="{_n(y - 9)}" width="10" height="10" '
            f'fill="{_a(colours[name])}" />'
        )
        out.append(f'<text x="{_n(x + 14)}" y="{_n(y)}" font-size="11">{escape(label)}</text>')
        x += 14 + 6.5 * len(label) + 14  # an estimate of the text's width at 11 units
    out.append("</g>")
    return out


def _empty(layout: Layout, title: str, element_id: str | None, kind: str, text: str) -> str:
    out = _open(layout, title, element_id, kind, text)
    out.append(
        f'<text class="empty" x="{_n(layout.width / 2)}" y="{_n(layout.height / 2)}" '
        f'text-anchor="middle" font-size="13" fill="#66747c">{escape(text)}</text>'
    )
    out.append("</svg>")
    return "\n".join(out)


def line_positions(n: int, layout: Layout) -> list[float]:
    """x coordinates of ``n`` evenly spaced periods on a line chart (ends on the plot edges)."""
    if n == 1:
        return [layout.left + layout.plot_width / 2]
    return [layout.left + i * layout.plot_width / (n - 1) for i in range(n)]


def line_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    y_label: str,
    step: bool = True,
    layout: Layout | None = None,
    colours: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    element_id: str | None = None,
    max_x_labels: int = 12,
    value_format: Callable[[float], str] = format_number,
    empty_text: str = "No data",
) -> str:
    """An SVG line chart: one ``<polyline>`` per series over the periods ``labels``.

    ``series`` maps a key to one value (>= 0, in the unit ``y_label`` names) per period.
    With ``step`` the line holds each value until the next period (a staircase: right for
    cumulative totals counted at period ends); without it, points are joined directly.
    ``names`` gives the legend text of each key (default: the key); ``colours`` a colour per
    key (default: ``PALETTE`` in order). Each polyline has ``data-series`` = its key.
    """
    layout = layout or Layout()
    _check(labels, series)
    keys = list(series)
    if not labels or not keys:
        return _empty(layout, title, element_id, "line-chart", empty_text)
    largest = max((float(v) for values in series.values() for v in values), default=0.0)
    top_value, tick = axis_top(largest)
    xs = line_positions(len(labels), layout)
    colour = _colours(keys, colours)
    shown = {k: (names or {}).get(k, k) for k in keys}
    out = _open(layout, title, element_id, "line-chart", f"{y_label}; {labels[0]} – {labels[-1]}")
    out += _y_axis(layout, top_value, tick, y_label, value_format)
    out += _x_axis(layout, labels, xs, max_x_labels)
    out.append('<g class="series">')
    for key in keys:
        ys = [layout.baseline - float(v) / top_value * layout.plot_height for v in series[key]]
        points: list[tuple[float, float]] = []
        for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
            if step and i > 0:
                points.append((x, ys[i - 1]))
            points.append((x, y))
        coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        out.append(
            f'<polyline data-series="{_a(key)}" points="{coords}" fill="none" '
            f'stroke="{_a(colour[key])}" stroke-width="2"><title>{escape(shown[key])}: '
            f"{escape(value_format(float(series[key][-1])))}</title></polyline>"
        )
        # the latest value as a dot, so that a series of one period is seen too
        out.append(
            f'<circle class="last" data-series="{_a(key)}" cx="{_n(xs[-1])}" cy="{_n(ys[-1])}" '
            f'r="3.5" fill="{_a(colour[key])}"/>'
        )
    out.append("</g>")
    out += _legend_named(layout, keys, shown, colour)
    out.append("</svg>")
    return "\n".join(out)


def _legend_named(
    layout: Layout, keys: Sequence[str], shown: Mapping[str, str], colour: Mapping[str, str]
) -> list[str]:
    return _legend(layout, [shown[k] for k in keys], {shown[k]: colour[k] for k in keys})


def bar_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    y_label: str,
    stacked: bool = True,
    layout: Layout | None = None,
    colours: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    element_id: str | None = None,
    max_x_labels: int = 12,
    integer: bool = True,
    bar_fill: float = 0.8,
    value_format: Callable[[float], str] = format_number,
    empty_text: str = "No data",
) -> str:
    """An SVG bar chart: per period one bar per series, stacked (default) or side by side.

    ``series`` maps a key to one count (>= 0, in the unit ``y_label`` names) per period; with
    ``integer`` the ticks are whole numbers. Each period has a band of plot width / periods;
    its bars fill ``bar_fill`` of the band, centred. Stacked bars go up in the order of
    ``series``. Each ``<rect>`` has ``data-series``, ``data-label`` and ``data-value``; a bar of
    0 is left out.
    """
    layout = layout or Layout()
    _check(labels, series)
    if not 0 < bar_fill <= 1:
        raise ValueError("bar_fill must be in (0, 1]")
    keys = list(series)
    if not labels or not keys:
        return _empty(layout, title, element_id, "bar-chart", empty_text)
    n = len(labels)
    if stacked:
        largest = max((sum(float(series[k][i]) for k in keys) for i in range(n)), default=0.0)
    else:
        largest = max((float(v) for values in series.values() for v in values), default=0.0)
    top_value, tick = axis_top(largest, integer=integer)
    band = layout.plot_width / n
    centres = [layout.left + (i + 0.5) * band for i in range(n)]
    colour = _colours(keys, colours)
    shown = {k: (names or {}).get(k, k) for k in keys}
    out = _open(layout, title, element_id, "bar-chart", f"{y_label}; {labels[0]} – {labels[-1]}")
    out += _y_axis(layout, top_value, tick, y_label, value_format)
    out.append('<g class="bars">')
    scale = layout.plot_height / top_value
    for i in range(n):
        below = 0.0
        for j, key in enumerate(keys):
            value = float(series[key][i])
            if stacked:
                width = band * bar_fill
                x = layout.left + i * band + band * (1 - bar_fill) / 2
                y0 = layout.baseline - below * scale
                below += value
            else:
                width = band * bar_fill / len(keys)
                x = layout.left + i * band + band * (1 - bar_fill) / 2 + j * width
                y0 = layout.baseline
            if value <= 0:
                continue
            height = value * scale
            out.append(
                f'<rect class="bar" data-series="{_a(key)}" data-label="{_a(labels[i])}" '
                f'data-value="{_a(value_format(value))}" x="{_n(x)}" y="{_n(y0 - height)}" '
                f'width="{_n(width)}" height="{_n(height)}" fill="{_a(colour[key])}">'
                f"<title>{escape(str(labels[i]))}, {escape(shown[key])}: "
                f"{escape(value_format(value))}</title></rect>"
            )
    out.append("</g>")
    out += _x_axis(layout, labels, centres, max_x_labels)
    out += _legend_named(layout, keys, shown, colour)
    out.append("</svg>")
    return "\n".join(out)
