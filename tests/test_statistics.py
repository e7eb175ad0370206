"""Landmine Monitor tables from `stats --json`, recomputed from exported files with pandas."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_cli

UNTIL = "2022-10-31"


@pytest.fixture(scope="module")
def doc(demo: dict) -> dict:
    proc = run_cli("stats", "--db", str(demo["db"]), "--json", "--until", UNTIL)
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def files(demo: dict) -> dict[str, pd.DataFrame]:
    out = {}
    for kind in ("activities", "hazards", "assets", "finds", "victims", "accidents", "funding"):
        path = Path(demo["folder"]) / f"stat-{kind}.csv"
        run_cli("export", kind, "--db", str(demo["db"]), "--format", "csv", "-o", str(path))
        out[kind] = pd.read_csv(path)
    return out


def as_dict(rows: list[dict], keys: list[str], value: str) -> dict[tuple, float]:
    return {tuple(str(r[k]) for k in keys): r[value] for r in rows}


def test_land_by_district_and_asset(doc: dict, files: dict[str, pd.DataFrame]) -> None:
    acts = files["activities"]
    acts = acts[
        (acts["end_date"] <= UNTIL) & acts["result"].isin(["cancelled", "reduced", "cleared"])
    ]
    acts = acts.merge(
        files["hazards"][["local_id", "district"]],
        left_on="hazard",
        right_on="local_id",
        suffixes=("", "_h"),
    )
    acts = acts.merge(
        files["assets"][["id", "kind"]].rename(columns={"id": "asset_id", "kind": "asset"}),
        on="asset_id",
        how="left",
    )
    for key in ("district", "asset"):
        expected = acts.groupby([key, "result"])["area_m2"].sum()
        got = as_dict(doc["tables"][f"land_by_{key}"], [key, "result"], "area_m2")
        assert set(got) == {(str(a), str(b)) for a, b in expected.index}
        for (a, b), v in expected.items():
            assert got[(str(a), str(b))] == pytest.approx(v, abs=0.1)


def test_devices_by_model(doc: dict, files: dict[str, pd.DataFrame]) -> None:
    finds = files["finds"]
    finds = finds[finds["found_date"] <= UNTIL]
    expected = finds.groupby(["category", "ordnance"])["quantity"].sum()
    got = as_dict(doc["tables"]["devices_by_model"], ["category", "ordnance"], "quantity")
    assert got == {(a, b): int(v) for (a, b), v in expected.items()}
    assert got[("ap_mine", "E-001 M")] == 542  # 452 in Dashkasan + 90 on Boyuk Ishigli


def test_productivity_by_method(doc: dict, files: dict[str, pd.DataFrame]) -> None:
    acts = files["activities"]
    acts = acts[(acts["end_date"] <= UNTIL) & (acts["team_days"] > 0)]
    got = {r["method"]: r["m2_per_team_day"] for r in doc["tables"]["productivity"]}
    for method, g in acts.groupby("method"):
        assert got[method] == pytest.approx(g["area_m2"].sum() / g["team_days"].sum(), abs=0.1)


def test_casualty_tables(doc: dict, files: dict[str, pd.DataFrame]) -> None:
    vic = files["victims"].merge(
        files["accidents"][["local_id", "accident_date", "category"]],
        left_on="accident",
        right_on="local_id",
        suffixes=("", "_acc"),
    )
    vic = vic[vic["accident_date"] <= UNTIL]
    assert len(vic) == sum(doc["casualties"].values())
    for key, column in (
        ("status", "status"),
        ("sex", "sex"),
        ("age_group", "age_group"),
        ("device_category", "category"),
    ):
        expected = vic.groupby([column, "outcome"]).size()
        got = as_dict(doc["tables"][f"casualties_by_{key}"], [key, "outcome"], "count")
        assert got == {(str(a), str(b)): int(v) for (a, b), v in expected.items()}, key


def test_funding_by_donor_and_year(doc: dict, files: dict[str, pd.DataFrame]) -> None:
    rows = doc["tables"]["funding_by_donor_year"]
    fund = files["funding"]
    assert len(rows) == len(fund)
    by = {(r["donor"], r["year"], r["currency"]): r["amount"] for r in rows}
    for r in fund.itertuples():
        assert by[(r.donor, int(r.funding_date[:4]), r.currency)] == pytest.approx(r.amount)
