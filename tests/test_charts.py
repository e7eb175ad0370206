"""Server-rendered SVG charts: valid XML, coordinates worked out by hand, escaped text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from clearground.web import charts as c

NS = {"s": "http://www.w3.org/2000/svg"}
SVG = "{http://www.w3.org/2000/svg}"
# a small chart: plot area x 40..190 (150 wide), y 10..70 (60 high); value 0 at y = 70
SMALL = c.Layout(width=200, height=100, left=40, right=10, top=10, bottom=30)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def texts(root: ET.Element, cls: str) -> list[str]:
    return [t.text or "" for t in root.iter(SVG + "text") if t.get("class") == cls]


def test_nice_steps_and_axis_tops() -> None:
    # largest 3 over <= 5 intervals: 0.6 a step at least -> 1; top 3
    assert c.axis_top(3) == (3.0, 1.0)
    # 7 / 5 = 1.4 -> step 2; top 8
    assert c.axis_top(7) == (8.0, 2.0)
    # 123,456 / 5 = 24,691 -> 25,000; top 125,000
    assert c.axis_top(123_456) == (125_000.0, 25_000.0)
    # 0.3 / 5 = 0.06 -> 0.1; top 0.3
    top, step = c.axis_top(0.3)
    assert step == pytest.approx(0.1) and top == pytest.approx(0.3)
    # counts: 4 / 5 = 0.8 would be 1 anyway; 2 / 5 = 0.4 -> 0.5, but whole numbers -> 1
    assert c.axis_top(2, integer=True) == (2.0, 1.0)
    assert c.axis_top(0) == (1.0, 1.0)
    assert c.format_number(1234567) == "1,234,567"
    assert c.format_number(2.5) == "2.5"


def test_step_line_coordinates_by_hand() -> None:
    svg = c.line_chart(
        ["2021-01", "2021-02", "2021-03"],
        {"manual": [0, 1, 3], "mechanical": [0.5, 0.5, 1.5]},
        title="Released",
        y_label="ha",
        layout=SMALL,
    )
    root = parse(svg)
    lines = {p.get("data-series"): p.get("points") for p in root.iter(SVG + "polyline")}
    # x: 40 + i * 150 / 2 = 40, 115, 190. Axis top 3 (step 1): y = 70 - v / 3 * 60
    # manual 0, 1, 3 -> y 70, 50, 10; a staircase holds each value to the next period
    assert lines["manual"] == "40,70 115,70 115,50 190,50 190,10"
    # mechanical 0.5, 0.5, 1.5 -> y 60, 60, 40
    assert lines["mechanical"] == "40,60 115,60 115,60 190,60 190,40"
    # y ticks 0..3 at y 70, 50, 30, 10 (labels 4 units below the grid line)
    assert texts(root, "tick")[:4] == ["0", "1", "2", "3"]
    ys = [t.get("y") for t in root.iter(SVG + "text") if t.get("class") == "tick"][:4]
    assert ys == ["74", "54", "34", "14"]
    # the x labels under their periods
    xl = [(t.text, t.get("x")) for t in root.iter(SVG + "text") if t.get("class") == "tick"][4:]
    assert xl == [("2021-01", "40"), ("2021-02", "115"), ("2021-03", "190")]
    # legend in the order of the series
    legend = root.find("s:g[@class='legend']", NS)
    assert legend is not None
    assert [t.text for t in legend.iter(SVG + "text")] == ["manual", "mechanical"]


def test_straight_line_and_single_period() -> None:
    svg = c.line_chart(
        ["a", "b", "c"], {"s": [0, 1, 3]}, title="t", y_label="y", step=False, layout=SMALL
    )
    (line,) = parse(svg).iter(SVG + "polyline")
    assert line.get("points") == "40,70 115,50 190,10"
    # one period sits in the middle of the plot: x = 40 + 150 / 2 = 115; 2 of top 2 -> y 10
    one = c.line_chart(["a"], {"s": [2]}, title="t", y_label="y", layout=SMALL)
    (line,) = parse(one).iter(SVG + "polyline")
    assert line.get("points") == "115,10"
    # a polyline of one point draws nothing: the latest value is also a dot, seen alone
    (dot,) = parse(one).iter(SVG + "circle")
    assert (dot.get("cx"), dot.get("cy"), dot.get("data-series")) == ("115", "10", "s")


def test_stacked_bars_by_hand() -> None:
    svg = c.bar_chart(
        ["2021", "2022"],
        {"killed": [1, 2], "injured": [3, 0]},
        title="Casualties",
        y_label="people",
        layout=SMALL,
    )
    root = parse(svg)
    bars = [
        (
            r.get("data-series"),
            r.get("data-label"),
            r.get("x"),
            r.get("y"),
            r.get("width"),
            r.get("height"),
        )
        for r in root.iter(SVG + "rect")
        if r.get("class") == "bar"
    ]
    # stacks 4 and 2 -> top 4, step 1: 60 / 4 = 15 units a person. Bands 150 / 2 = 75 wide,
    # bars 0.8 x 75 = 60 wide starting 7.5 into the band: x = 47.5 and 122.5
    assert bars == [
        ("killed", "2021", "47.5", "55", "60", "15"),  # 1 -> 15 high, on the axis (70)
        ("injured", "2021", "47.5", "10", "60", "45"),  # 3 -> 45 high, on top of it (55)
        ("killed", "2022", "122.5", "40", "60", "30"),  # 2 -> 30 high
    ]  # injured 2022 is 0: no bar
    xl = [(t.text, t.get("x")) for t in root.iter(SVG + "text") if t.get("class") == "tick"][-2:]
    assert xl == [("2021", "77.5"), ("2022", "152.5")]  # the band centres


def test_side_by_side_bars_by_hand() -> None:
    svg = c.bar_chart(
        ["2021", "2022"],
        {"killed": [1, 2], "injured": [3, 0]},
        title="t",
        y_label="y",
        stacked=False,
        layout=SMALL,
    )
    bars = [
        (r.get("data-series"), r.get("x"), r.get("y"), r.get("width"), r.get("height"))
        for r in parse(svg).iter(SVG + "rect")
        if r.get("class") == "bar"
    ]
    # largest single bar 3 -> top 3: 20 units each; two bars of 60 / 2 = 30 in each band
    assert bars == [
        ("killed", "47.5", "50", "30", "20"),
        ("injured", "77.5", "10", "30", "60"),
        ("killed", "122.5", "30", "30", "40"),
    ]


def test_text_is_escaped() -> None:
    evil = '<script>alert("x")</script> & co'
    svg = c.bar_chart(
        [evil, "b"],
        {evil: [1, 2]},
        title=evil,
        y_label=evil,
        names={evil: evil},
        element_id='a"b',
    )
    assert "<script>" not in svg
    root = parse(svg)
    assert root.get("aria-label") == evil
    assert root.get("id") == 'a"b'
    assert root.find("s:title", NS) is not None and root.find("s:title", NS).text == evil  # type: ignore[union-attr]
    all_text = [t.text for t in root.iter(SVG + "text")]
    assert evil in all_text  # x label, axis title and legend, as plain text
    assert {r.get("data-series") for r in root.iter(SVG + "rect") if r.get("class") == "bar"} == {
        evil
    }
    line = c.line_chart(["<a>"], {"<b>": [1]}, title="&", y_label="<y>")
    parsed = parse(line)
    assert [p.get("data-series") for p in parsed.iter(SVG + "polyline")] == ["<b>"]


def test_labels_are_thinned_and_empty_charts_say_so() -> None:
    labels = [f"m{i}" for i in range(30)]
    svg = c.bar_chart(labels, {"n": [1] * 30}, title="t", y_label="y", max_x_labels=12)
    shown = [t.text for t in parse(svg).iter(SVG + "text") if t.get("class") == "tick"]
    # 30 periods, at most 12 labels: every 3rd, from the first
    assert [s for s in shown if s and s.startswith("m")] == [f"m{i}" for i in range(0, 30, 3)]
    empty = parse(c.line_chart([], {}, title="t", y_label="y", empty_text="Nothing <yet>"))
    assert texts(empty, "empty") == ["Nothing <yet>"]
    assert list(empty.iter(SVG + "polyline")) == []


def test_bad_series_are_refused() -> None:
    with pytest.raises(ValueError, match="2 values for 3 periods"):
        c.line_chart(["a", "b", "c"], {"s": [1, 2]}, title="t", y_label="y")
    with pytest.raises(ValueError, match=">= 0"):
        c.bar_chart(["a"], {"s": [-1]}, title="t", y_label="y")
    with pytest.raises(ValueError, match=">= 0"):
        c.bar_chart(["a"], {"s": [float("nan")]}, title="t", y_label="y")
