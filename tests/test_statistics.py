"""Landmine Monitor tables from `stats --json`, recomputed from exported files with pandas."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from clearground.analysis import statistics as st
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


# --- hand-made frames: figures worked out by hand, not by the code under test -----------------
# (these need no demo database; ``-k frame`` runs them alone, as bench/mutation.sh does)


def finds_rows() -> pd.DataFrame:
    """Five finds, quantities above 1, so a count of rows differs from the devices found:
    AP 4 + 3 (2 rows, 7 devices), AT 2 (1 row), UXO 5 + 1 (2 rows, 6 devices)."""
    return pd.DataFrame(
        [
            ("ap_mine", "PMN-2", 4, "Aghdam", 2021),
            ("ap_mine", "E-001 M", 3, "Fuzuli", 2022),
            ("at_mine", "TM-62M", 2, "Aghdam", 2022),
            ("uxo", "OF-462", 5, "Fuzuli", 2021),
            ("uxo", "OF-462", 1, "Aghdam", 2022),
        ],
        columns=["category", "ordnance", "quantity", "district", "year"],
    )


def activity_rows() -> pd.DataFrame:
    """Cancelled 10,000; reduced 2,500 + 500.3; cleared 4,000 + 1,500.5; a QA activity
    (``result`` not a release) of 99,999 m² that must not count."""
    return pd.DataFrame(
        [
            ("cancelled", 10_000.0, "Aghdam"),
            ("reduced", 2_500.0, "Aghdam"),
            ("reduced", 500.3, "Fuzuli"),
            ("cleared", 4_000.0, "Fuzuli"),
            ("cleared", 1_500.5, "Aghdam"),
            ("none", 99_999.0, "Aghdam"),
        ],
        columns=["result", "area_m2", "district"],
    )


NO_VICTIMS = pd.DataFrame({"outcome": pd.Series([], dtype=str)})


def test_frame_devices_sum_quantities_not_rows() -> None:
    """Mutation: ``devices`` counting rows (``.count()`` / ``.size()``) instead of summing
    ``quantity`` fails this test (it would give AP 2, UXO 2, total 5)."""
    dev = st.devices(finds_rows())
    assert dev == {
        "ap_mine": 7,
        "at_mine": 2,
        "uxo": 6,
        "axo": 0,
        "ied": 0,
        "submunition": 0,
    }
    doc = st.summary(activity_rows(), finds_rows(), NO_VICTIMS)
    assert doc["devices_total"] == 15
    assert st.devices(finds_rows().iloc[0:0]) == dict.fromkeys(st.CATEGORIES, 0)


def test_frame_devices_by_model_and_year_sum_quantities() -> None:
    tables = st.monitor_tables(
        activity_rows().assign(
            year=2021, organisation="X", method="manual", asset="team", team_days=None
        ),
        finds_rows(),
        NO_VICTIMS,
        pd.DataFrame(),
        pd.DataFrame(),
    )
    by_model = as_dict(tables["devices_by_model"], ["category", "ordnance"], "quantity")
    assert by_model == {
        ("ap_mine", "PMN-2"): 4,
        ("ap_mine", "E-001 M"): 3,
        ("at_mine", "TM-62M"): 2,
        ("uxo", "OF-462"): 6,
    }
    # the land tables hold released land only: not the QA activity's 99,999 m²
    land = as_dict(tables["land_by_district"], ["district", "result"], "area_m2")
    assert land == {
        ("Aghdam", "cancelled"): 10_000.0,
        ("Aghdam", "reduced"): 2_500.0,
        ("Aghdam", "cleared"): 1_500.5,
        ("Fuzuli", "reduced"): 500.3,
        ("Fuzuli", "cleared"): 4_000.0,
    }
    by_year = as_dict(tables["devices_by_year"], ["year", "category"], "quantity")
    assert by_year == {
        ("2021", "ap_mine"): 4,
        ("2021", "uxo"): 5,
        ("2022", "ap_mine"): 3,
        ("2022", "at_mine"): 2,
        ("2022", "uxo"): 1,
    }


def test_frame_released_m2_by_result() -> None:
    """Mutation: ``released_m2`` giving 0 (or dropping) any of cancelled, reduced or cleared
    — e.g. the cleared total zeroed — fails this test; so does counting the QA activity."""
    rel = st.released_m2(activity_rows())
    assert rel == {"cancelled": 10_000.0, "reduced": 3_000.3, "cleared": 5_500.5}
    doc = st.summary(activity_rows(), finds_rows(), NO_VICTIMS)
    assert doc["released_total_m2"] == 18_500.8  # 10,000 + 3,000.3 + 5,500.5, to 0.1 m²
    assert doc["released_ha"] == {"cancelled": 1.0, "reduced": 0.3, "cleared": 0.55}
    assert st.released_m2(activity_rows().iloc[0:0]) == dict.fromkeys(st.RESULTS, 0.0)


def test_frame_breakdown_by_district() -> None:
    """Per district: Aghdam cancelled 10,000, reduced 2,500, cleared 1,500.5, devices
    AP 4, AT 2, UXO 1; Fuzuli reduced 500.3, cleared 4,000, devices AP 3, UXO 5."""
    rows = {
        r["key"]: r for r in st.breakdown(activity_rows(), finds_rows(), NO_VICTIMS, "district")
    }
    assert sorted(rows) == ["Aghdam", "Fuzuli"]
    agdam, fuzuli = rows["Aghdam"], rows["Fuzuli"]
    assert agdam["released_m2"] == {"cancelled": 10_000.0, "reduced": 2_500.0, "cleared": 1_500.5}
    assert fuzuli["released_m2"] == {"cancelled": 0.0, "reduced": 500.3, "cleared": 4_000.0}
    assert (agdam["devices"]["ap_mine"], agdam["devices"]["at_mine"]) == (4, 2)
    assert (agdam["devices"]["uxo"], agdam["devices_total"]) == (1, 7)
    assert (fuzuli["devices"]["ap_mine"], fuzuli["devices"]["uxo"]) == (3, 5)
    assert fuzuli["devices_total"] == 8


def test_frame_hectares_and_totals_of_large_areas() -> None:
    """1,234,500 m² = 123.45 ha (a divisor of 10,001 would give 123.44)."""
    acts = pd.DataFrame(
        [("cleared", 1_234_500.0), ("reduced", 20_000.0)], columns=["result", "area_m2"]
    )
    doc = st.summary(acts, finds_rows().iloc[0:0], NO_VICTIMS)
    assert doc["released_ha"] == {"cancelled": 0.0, "reduced": 2.0, "cleared": 123.45}
    assert doc["released_total_m2"] == 1_254_500.0
    assert doc["devices_total"] == 0 and doc["casualties_total"] == 0


def test_frame_casualties_count_victims() -> None:
    victims = pd.DataFrame({"outcome": ["killed", "injured", "injured", "injured"]})
    assert st.casualties(victims) == {"killed": 1, "injured": 3}
    assert st.summary(activity_rows(), finds_rows(), victims)["casualties_total"] == 4
    assert st.casualties(NO_VICTIMS) == {"killed": 0, "injured": 0}


RATES = pd.DataFrame(
    [
        ("2021-01-01", "GBP", "USD", 1.30),
        ("2022-01-01", "GBP", "USD", 1.35),
        ("2023-01-01", "GBP", "USD", 1.20),
        ("2022-01-01", "EUR", "AZN", 1.90),  # not a USD rate
    ],
    columns=["rate_date", "currency", "quote_currency", "rate"],
)


def test_frame_usd_at_the_rate_of_the_date() -> None:
    """The last USD rate on or before the funding date: 1,000 GBP on 2022-06-01 at 1.35 =
    1,350 USD (the first rate, 1.30, would give 1,300; the latest, 1.20, 1,200); on the day
    of a rate that rate counts; before any rate, or without a USD rate, NaN."""
    funding = pd.DataFrame(
        [
            ("UK", "GBP", 1000, "2022-06-01"),
            ("UK", "GBP", 1000, "2023-01-01"),
            ("UK", "GBP", 1000, "2020-12-31"),
            ("US", "USD", 250, "2020-01-01"),
            ("FR", "EUR", 400, "2022-06-01"),
        ],
        columns=["donor", "currency", "amount", "funding_date"],
    )
    usd = st.to_usd(funding, RATES)
    assert usd.iloc[0] == pytest.approx(1350.0)
    assert usd.iloc[1] == pytest.approx(1200.0)
    assert pd.isna(usd.iloc[2])
    assert usd.iloc[3] == 250.0
    assert pd.isna(usd.iloc[4])
    doc = st.funding_summary(funding, RATES)
    assert doc["total_usd"] == pytest.approx(1350.0 + 1200.0 + 250.0)
    by = {(r["donor"], r["currency"]): r for r in doc["by_donor"]}
    assert sorted(by) == [("FR", "EUR"), ("UK", "GBP"), ("US", "USD")]
    assert (by[("UK", "GBP")]["amount"], by[("UK", "GBP")]["amount_usd"]) == (3000.0, 2550.0)
    assert (by[("US", "USD")]["amount"], by[("US", "USD")]["amount_usd"]) == (250.0, 250.0)
    assert by[("FR", "EUR")]["amount"] == 400.0  # (no USD rate: its USD sum is left out)
    assert st.funding_summary(funding.iloc[0:0], RATES) == {"total_usd": 0.0, "by_donor": []}
    tables = st.monitor_tables(activity_rows().iloc[0:0], finds_rows(), NO_VICTIMS, funding, RATES)
    years = {(r["donor"], r["year"]): r["amount_usd"] for r in tables["funding_by_donor_year"]}
    assert years[("UK", 2022)] == pytest.approx(1350.0)
    assert years[("UK", 2023)] == pytest.approx(1200.0)


def test_frame_land_tables_keep_tenths_and_integer_years() -> None:
    """Land tables keep 0.1 m² (500.3, not 500); years are integers, other keys text; a
    missing key is None; a frame without the key column gives no rows."""
    acts = activity_rows().assign(year=[2021, 2021, 2022, 2022, 2022, 2022])
    land = st._table(acts[acts["result"] != "none"], ["district", "result"], "area_m2")
    got = {(r["district"], r["result"]): r["area_m2"] for r in land}
    assert got[("Fuzuli", "reduced")] == 500.3
    assert got[("Aghdam", "cleared")] == 1_500.5
    by_year = st._table(finds_rows(), ["year", "category"], "quantity")
    assert {type(r["year"]) for r in by_year} == {int}
    assert {type(r["category"]) for r in by_year} == {str}
    assert all(type(r["quantity"]) is int for r in by_year)
    with_gap = finds_rows().assign(district=["Aghdam", None, "Aghdam", "Fuzuli", "Fuzuli"])
    per = {r["district"]: r["quantity"] for r in st._table(with_gap, ["district"], "quantity")}
    assert per == {"Aghdam": 6, None: 3, "Fuzuli": 6}
    assert st._table(finds_rows(), ["sex"], "quantity") == []
    assert st._table(finds_rows().iloc[0:0], ["category"], "quantity") == []
    counted = st._table(finds_rows(), ["category"], "category", "count")
    assert {r["category"]: r["count"] for r in counted} == {"ap_mine": 2, "at_mine": 1, "uxo": 2}


def test_frame_productivity_per_team_day() -> None:
    """manual: (1,000 + 500) m² over (10 + 5) team-days = 100 m²/team-day; mechanical 5,000
    over 2 = 2,500. Left out: no team-days recorded, 0 team-days, not a release."""
    acts = pd.DataFrame(
        [
            ("manual", "cleared", 1000.0, 10.0),
            ("manual", "reduced", 500.0, 5.0),
            ("mechanical", "cleared", 5000.0, 2.0),
            ("mechanical", "cleared", 9999.0, None),
            ("mdd", "cleared", 9999.0, 0.0),
            ("manual", "none", 9999.0, 3.0),
        ],
        columns=["method", "result", "area_m2", "team_days"],
    )
    rows = {r["method"]: r for r in st.productivity(acts)}
    assert sorted(rows) == ["manual", "mechanical"]
    assert rows["manual"] == {
        "method": "manual",
        "area_m2": 1500.0,
        "team_days": 15.0,
        "m2_per_team_day": 100.0,
    }
    assert rows["mechanical"]["m2_per_team_day"] == 2500.0
    assert st.productivity(acts.iloc[0:0]) == []


def test_frame_breakdown_of_a_key_some_frames_lack() -> None:
    """By year: finds have years, activities none: each year holds its devices and no land."""
    rows = st.breakdown(activity_rows(), finds_rows(), NO_VICTIMS, "year")
    assert [r["key"] for r in rows] == ["2021", "2022"]
    assert rows[0]["devices_total"] == 4 + 5 and rows[1]["devices_total"] == 3 + 2 + 1
    assert all(r["released_total_m2"] == 0.0 for r in rows)


def test_frame_figures_keep_their_stated_precision() -> None:
    """Areas to 0.1 m², hectares to 0.01 ha, team-days to 0.1, USD to the cent — checked
    with figures that have more decimals than that (the rounding worked out by hand)."""
    acts = pd.DataFrame(
        [
            ("cleared", 1234.5678, "Aghdam", "manual", 3.14159, 2021),
            ("cleared", 10.0111, "Aghdam", "manual", 1.0, 2021),
            ("reduced", 98_765.4321, "Fuzuli", "mechanical", 1.0, 2022),
        ],
        columns=["result", "area_m2", "district", "method", "team_days", "year"],
    ).assign(organisation="X", asset="team")
    rel = st.released_m2(acts)
    assert rel == {"cancelled": 0.0, "reduced": 98_765.4, "cleared": 1244.6}  # 1244.5789
    doc = st.summary(acts, finds_rows().iloc[0:0], NO_VICTIMS)
    assert doc["released_ha"] == {"cancelled": 0.0, "reduced": 9.88, "cleared": 0.12}
    assert doc["released_total_m2"] == 100_010.0  # 98,765.4 + 1,244.6
    prod = {r["method"]: r for r in st.productivity(acts)}
    # manual: 1,244.5789 m² over 4.14159 team-days (one of them exactly 1 team-day)
    assert prod["manual"]["area_m2"] == 1244.6
    assert prod["manual"]["team_days"] == 4.1
    assert prod["manual"]["m2_per_team_day"] == 300.5  # 1244.5789 / 4.14159 = 300.507...
    assert prod["mechanical"]["m2_per_team_day"] == 98_765.4
    tables = st.monitor_tables(acts, finds_rows(), NO_VICTIMS, pd.DataFrame(), pd.DataFrame())
    land = {(r["district"], r["result"]): r["area_m2"] for r in tables["land_by_district"]}
    assert land == {("Aghdam", "cleared"): 1244.6, ("Fuzuli", "reduced"): 98_765.4}
    assert {r["year"] for r in tables["land_by_year"]} == {2021, 2022}
    # a numeric key other than the year is given as text
    by_id = st._table(acts.assign(hazard_id=[7, 7, 9]), ["hazard_id"], "area_m2")
    assert {r["hazard_id"] for r in by_id} == {"7", "9"}
    funding = pd.DataFrame(
        [("UK", "GBP", 1234.567, "2022-06-01"), ("UK", "GBP", 0.001, "2022-07-01")],
        columns=["donor", "currency", "amount", "funding_date"],
    )
    usd = st.funding_summary(funding, RATES)
    # 1,234.568 GBP x 1.35 = 1,666.6668 USD -> 1,666.67
    assert usd["total_usd"] == 1666.67
    assert usd["by_donor"][0]["amount_usd"] == 1666.67
    per_year = st.monitor_tables(acts, finds_rows(), NO_VICTIMS, funding, RATES)
    assert per_year["funding_by_donor_year"][0]["amount_usd"] == 1666.67


def test_frame_casualty_tables_count_victims_by_key() -> None:
    """Killed 1 and injured 2 civilians, injured 1 deminer; by year as integers."""
    victims = pd.DataFrame(
        [
            ("civilian", "killed", 2021),
            ("civilian", "injured", 2021),
            ("civilian", "injured", 2022),
            ("deminer", "injured", 2022),
        ],
        columns=["status", "outcome", "year"],
    )
    tables = st.monitor_tables(
        activity_rows().iloc[0:0], finds_rows(), victims, pd.DataFrame(), pd.DataFrame()
    )
    by_status = as_dict(tables["casualties_by_status"], ["status", "outcome"], "count")
    assert by_status == {
        ("civilian", "killed"): 1,
        ("civilian", "injured"): 2,
        ("deminer", "injured"): 1,
    }
    by_year = {(r["year"], r["outcome"]): r["count"] for r in tables["casualties_by_year"]}
    assert by_year == {(2021, "killed"): 1, (2021, "injured"): 1, (2022, "injured"): 2}
    assert tables["casualties_by_sex"] == []  # no such column: no rows


def test_funding_follows_the_organisation_filter(
    demo: dict, files: dict[str, pd.DataFrame]
) -> None:
    """Issue 25 item 2: `stats --organisation "Army ESU"` showed the whole programme's
    funding. Funding now follows the filter (what the organisation received or gave): the
    demo's funding all goes to ANAMA, so an operator that received none shows none, and a
    donor shows its own gifts only (summed from the exported funding file); the district
    filter cannot apply to funding and the output says so."""

    def stats(*args: str) -> dict:
        return json.loads(run_cli("stats", "--db", str(demo["db"]), "--json", *args).stdout)

    fund = files["funding"]
    assert set(fund["recipient"]) == {"Mine Action Agency of the Republic of Azerbaijan (ANAMA)"}
    army = stats("--organisation", "Army ESU")["funding"]
    assert (army["total_usd"], army["by_donor"], army["not_filtered_by"]) == (0.0, [], [])
    uk = stats("--organisation", "United Kingdom Government")["funding"]
    mine = fund[fund["donor"] == "United Kingdom Government"]
    assert {(r["donor"], r["currency"]): r["amount"] for r in uk["by_donor"]} == {
        ("United Kingdom Government", cur): pytest.approx(float(g["amount"].sum()))
        for cur, g in mine.groupby("currency")
    }
    assert len(mine) >= 1 and len(mine) < len(fund)
    anywhere = stats("--district", "Fuzuli")["funding"]
    assert anywhere["not_filtered_by"] == ["district"] and anywhere["total_usd"] > 0
