"""The Avonmere demo county: deterministic, built through the real importers, and shaped like real data."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlite_utils
from hypothesis import given
from hypothesis import strategies as st

from lib import demo
from lib.importers.lookups import import_lookup
from lib.priorities.assessments import load_version
from lib.priorities.scoring import ranked
from lib.store.db import get_meta, is_demo, open_store

# Tables whose whole contents must match between two builds (import_log and meta carry clock times).
CONTENT_TABLES = (
    "areas", "boundaries", "population", "indicators", "observations", "categories", "forces", "outcomes",
    "incidents", "monthly_counts", "rejected_rows", "targets", "actions", "assessment_versions", "assessment_scores",
    "assessment_history",
)
PPV_CATEGORIES = ("Violence and sexual offences", "Public order")


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Path:
    """The demo store, built once for the session (how long a build takes: benchmarks/setup_imports.py)."""
    path = tmp_path_factory.mktemp("demo") / "csp.db"
    demo.build_demo_store(path).close()
    return path


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory) -> dict[str, Path]:
    """The demo's input files, written once for the session."""
    return demo.write_demo_files(tmp_path_factory.mktemp("demo-files"))


@pytest.fixture
def store(demo_build) -> sqlite_utils.Database:
    """The built demo store, open."""
    db = open_store(demo_build)
    yield db
    db.close()


def frame(db: sqlite_utils.Database, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run a query into a DataFrame."""
    return pd.read_sql_query(sql, db.conn, params=params or [])


def street_rows(files: dict[str, Path]) -> pd.DataFrame:
    """Every row of the generated police.uk street CSVs, as text."""
    return pd.concat(
        [pd.read_csv(path, dtype=str, keep_default_na=False) for path in demo.street_files(files)],
        ignore_index=True,
    )


def deliberately_bad(rows: pd.DataFrame) -> pd.Series:
    """Rows the generator made unplaceable on purpose: no coordinates, or geocoded far from Avonmere."""
    no_coordinates = rows["Longitude"] == ""
    lon = pd.to_numeric(rows["Longitude"].replace("", np.nan))
    lat = pd.to_numeric(rows["Latitude"].replace("", np.nan))
    far_away = ~no_coordinates & ~(lon.between(-1.6, 0.0) & lat.between(50.6, 51.4))
    return no_coordinates | far_away


def table_digest(db: sqlite_utils.Database, table: str) -> str:
    """A hash of a table's rows in a fixed order."""
    columns = [c.name for c in db[table].columns]
    rows = db.execute(f"SELECT * FROM {table} ORDER BY {', '.join(columns)}").fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


# --- Building --------------------------------------------------------------------------------------------


def test_store_is_marked_as_demo(store):
    assert "demo" == get_meta(store, "dataset")
    assert is_demo(store)


def test_two_builds_give_identical_contents(demo_build, tmp_path):
    first = demo_build
    second = tmp_path / "csp.db"
    shutil.copy(first, second)  # also shows a demo store is replaced by a fresh build
    demo.build_demo_store(second).close()
    a, b = open_store(first), open_store(second)
    try:
        for table in CONTENT_TABLES:
            assert table_digest(a, table) == table_digest(b, table), table
        log = "SELECT kind, file_name, sha256, rows_read, rows_accepted, rows_rejected FROM import_log"
        log += " ORDER BY id"
        assert a.execute(log).fetchall() == b.execute(log).fetchall()
    finally:
        a.close()
        b.close()


def test_generated_files_are_byte_identical(demo_files, tmp_path):
    again = demo.write_demo_files(tmp_path)
    assert sorted(demo_files) == sorted(again)
    for name, path in demo_files.items():
        assert path.read_bytes() == again[name].read_bytes(), name


def test_real_store_is_never_replaced(tmp_path, demo_files):
    path = tmp_path / "csp.db"
    db = open_store(path)
    import_lookup(db, demo_files["lookup"])  # any import makes it a store of someone's data
    db.close()
    with pytest.raises(FileExistsError):
        demo.build_demo_store(path)
    assert open_store(path)["import_log"].count == 1


def test_import_log_has_every_file(store, demo_files):
    logged = frame(store, "SELECT kind, file_name FROM import_log ORDER BY id")
    assert 40 == len(logged)
    assert {p.name for p in demo_files.values()} == set(logged["file_name"])
    assert ["lookup", "boundaries", "population", "indicators"] == list(logged["kind"][:4])
    assert {"police-uk"} == set(logged["kind"][4:])


# --- Places and people -----------------------------------------------------------------------------------


def test_area_hierarchy(store):
    areas = frame(store, "SELECT code, name, kind, parent_code, provisional FROM areas").set_index("code")
    kinds = areas["kind"].value_counts().to_dict()
    assert {"lsoa": 416, "district": 5, "csp": 5, "county": 1, "force": 1} == kinds
    assert 0 == areas["provisional"].sum()
    assert demo.FORCE_CODE == areas.at[demo.COUNTY_CODE, "parent_code"]
    for plan in demo.DISTRICTS:
        assert plan.name == areas.at[plan.district_code, "name"] == areas.at[plan.csp_code, "name"]
        assert plan.csp_code == areas.at[plan.district_code, "parent_code"]
        assert demo.COUNTY_CODE == areas.at[plan.csp_code, "parent_code"]
    lsoas = areas[areas["kind"] == "lsoa"]
    district_names = lsoas["parent_code"].map(areas["name"])
    assert (lsoas["name"].str.replace(r" \d{3}[A-F]$", "", regex=True) == district_names).all()
    assert lsoas.index.str.fullmatch(r"X01\d{6}").all()


def test_lsoas_per_district_and_boundaries(store):
    counts = dict(store.execute(
        "SELECT d.name, COUNT(*) FROM areas l JOIN areas d ON d.code = l.parent_code WHERE l.kind = 'lsoa' "
        "GROUP BY d.name"
    ).fetchall())
    assert {p.name: p.lsoas for p in demo.DISTRICTS} == counts
    assert all(60 <= n <= 110 for n in counts.values())
    kinds = dict(store.execute(
        "SELECT a.kind, COUNT(*) FROM boundaries b JOIN areas a ON a.code = b.area_code GROUP BY a.kind"
    ).fetchall())
    assert {"lsoa": 416, "district": 5, "csp": 5, "county": 1, "force": 1} == kinds
    for code, geojson in store.execute(
        "SELECT b.area_code, b.geojson FROM boundaries b JOIN areas a ON a.code = b.area_code "
        "WHERE a.kind = 'district'"
    ).fetchall():
        assert "Polygon" == json.loads(geojson)["type"], f"{code} should be one piece"


def test_county_sits_in_southern_england(store):
    box = store.execute(
        "SELECT min_lon, min_lat, max_lon, max_lat FROM areas WHERE code = ?", [demo.COUNTY_CODE]
    ).fetchone()
    assert -1.6 < box[0] < box[2] < 0.0
    assert 50.7 < box[1] < box[3] < 51.3


def test_every_csp_has_population_for_every_year(store):
    population = frame(store, "SELECT area_code, year, population FROM population")
    for plan in demo.DISTRICTS:
        years = population[population["area_code"] == plan.csp_code].set_index("year")["population"]
        assert list(demo.POPULATION_YEARS) == sorted(years.index)
        assert years.is_monotonic_increasing  # modest growth
        assert 90_000 < years.iloc[0] < 200_000


def test_lsoas_hold_about_1500_residents(store):
    people = frame(store, "SELECT p.population FROM population p JOIN areas a ON a.code = p.area_code "
                          "WHERE a.kind = 'lsoa' AND p.year = 2025")["population"]
    assert 416 == len(people)
    assert 1400 < people.mean() < 1700
    assert people.between(1000, 2300).all()


def test_area_totals_add_up(store):
    sums = frame(store, """
        SELECT d.parent_code AS csp, p.year, SUM(p.population) AS lsoas FROM population p
        JOIN areas l ON l.code = p.area_code JOIN areas d ON d.code = l.parent_code
        WHERE l.kind = 'lsoa' GROUP BY d.parent_code, p.year""")
    held = frame(store, "SELECT area_code AS csp, year, population FROM population")
    merged = sums.merge(held, on=["csp", "year"])
    assert 5 * len(demo.POPULATION_YEARS) == len(merged)
    assert (merged["lsoas"] == merged["population"]).all()


# --- Incidents -------------------------------------------------------------------------------------------


def test_monthly_counts_equal_a_recount_of_the_csv_rows(store, demo_files):
    rows = street_rows(demo_files)
    good = rows[~deliberately_bad(rows)]
    expected = good.groupby(["LSOA code", "Month", "Crime type"]).size().rename("count").reset_index()
    expected.columns = ["lsoa_code", "month", "category", "count"]
    held = frame(store, "SELECT lsoa_code, month, category, count FROM monthly_counts")
    key = ["lsoa_code", "month", "category"]
    pd.testing.assert_frame_equal(
        expected.sort_values(key).reset_index(drop=True), held.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    assert len(good) == store["incidents"].count


def test_only_the_deliberately_bad_rows_are_rejected(store, demo_files):
    rows = street_rows(demo_files)
    bad = rows[deliberately_bad(rows)]
    reasons = dict(store.execute("SELECT reason, COUNT(*) FROM rejected_rows GROUP BY reason").fetchall())
    assert {"no coordinates": int((bad["Longitude"] == "").sum()),
            "far outside its district": len(demo.MISPLACED_ROWS)} == reasons
    assert 36 <= reasons["no coordinates"] <= 36 * 4


def test_street_files_look_like_police_uk(demo_files):
    rows = street_rows(demo_files)
    assert demo.STREET_COLUMNS == list(rows.columns)
    assert demo.demo_months() == sorted(rows["Month"].unique())
    assert {"Avonmere Police"} == set(rows["Reported by"]) == set(rows["Falls within"])
    asb = rows["Crime type"] == demo.ASB
    assert (rows.loc[asb, "Crime ID"] == "").all() and (rows.loc[asb, "Last outcome category"] == "").all()
    assert rows.loc[~asb, "Crime ID"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert rows.loc[~asb, "Crime ID"].is_unique
    assert (rows.loc[~asb, "Last outcome category"] != "").all()
    assert rows["Location"].str.match(r"^(On or near \S|No location$)").all()
    assert set(demo.CATEGORIES) == set(rows["Crime type"])
    for month, path in ((m, demo_files[f"street:{m}"]) for m in demo.demo_months()):
        assert f"{month}/{month}-avonmere-street.csv" == "/".join(path.parts[-2:])


def test_identical_asb_rows_are_all_kept(store, demo_files):
    rows = street_rows(demo_files)
    asb = rows[rows["Crime type"] == demo.ASB]
    repeated = asb[asb.duplicated(keep=False)]
    assert len(repeated) > 1000  # real extracts repeat ASB rows exactly; the demo must too
    held = store.execute(
        "SELECT SUM(count) FROM monthly_counts WHERE category = 'Anti-social behaviour'"
    ).fetchone()[0]
    assert len(asb) == held


def test_snap_points_are_few_per_lsoa(demo_files):
    rows = street_rows(demo_files)
    rows = rows[~deliberately_bad(rows)]
    per_lsoa = rows.drop_duplicates(["LSOA code", "Longitude", "Latitude"]).groupby("LSOA code").size()
    assert 416 == len(per_lsoa)
    assert per_lsoa.median() <= 10
    assert per_lsoa.max() <= 30


def test_volumes_and_mix_are_realistic(store):
    monthly = frame(store, "SELECT month, SUM(count) AS n FROM monthly_counts GROUP BY month")["n"]
    assert 36 == len(monthly)
    assert monthly.between(4000, 5100).all()
    shares = frame(store, "SELECT category, SUM(count) AS n FROM monthly_counts GROUP BY category")
    shares = shares.set_index("category")["n"] / shares["n"].sum()
    assert ["Violence and sexual offences", "Anti-social behaviour"] == list(shares.nlargest(2).index)
    for category, share in demo.CATEGORY_SHARES.items():
        assert share * 0.8 < shares[category] < share * 1.2, category


def test_asb_peaks_in_summer(store):
    asb = frame(store, "SELECT month, SUM(count) AS n FROM monthly_counts WHERE category = ? GROUP BY month",
                [demo.ASB]).set_index("month")["n"]
    for year in (2024, 2025, 2026):
        summer = asb[[f"{year}-06", f"{year}-07", f"{year}-08"]].mean()
        winter = asb[[f"{year - 1}-12", f"{year}-01", f"{year}-02"]].mean()
        assert summer > 1.3 * winter, year


def test_violence_concentrates_in_the_night_time_economy(store):
    marks = ", ".join("?" for _ in PPV_CATEGORIES)
    by_lsoa = frame(store, f"""
        SELECT m.lsoa_code, d.name AS district, SUM(m.count) AS n FROM monthly_counts m
        JOIN areas d ON d.code = m.district_code WHERE m.category IN ({marks}) GROUP BY m.lsoa_code""",
        list(PPV_CATEGORIES))
    top = by_lsoa.nlargest(10, "n")
    assert {"Castlebury", "Saltcliffe"} == set(top["district"])
    # The ten busiest LSOAs (2% of them) hold far more than 2% of the violence.
    assert top["n"].sum() / by_lsoa["n"].sum() > 0.15
    assert top["n"].iloc[0] > 10 * by_lsoa["n"].median()


def test_night_time_economy_csps_have_the_highest_violence_rates(store):
    marks = ", ".join("?" for _ in PPV_CATEGORIES)
    rates = frame(store, f"""
        SELECT a.name, SUM(m.count) * 1000.0 / p.population AS rate FROM monthly_counts m
        JOIN areas a ON a.code = m.csp_code JOIN population p ON p.area_code = m.csp_code AND p.year = 2025
        WHERE m.category IN ({marks}) AND m.month BETWEEN '2025-04' AND '2026-03' GROUP BY a.name""",
        list(PPV_CATEGORIES)).set_index("name")["rate"]
    assert {"Castlebury", "Saltcliffe"} == set(rates.nlargest(2).index)
    assert "Lowmere" == rates.idxmin()  # the large rural district


def test_shoplifting_rises_and_asb_falls(store):
    def latest_on_year_before(category: str) -> float:
        total = "SELECT SUM(count) FROM monthly_counts WHERE category = ? AND month BETWEEN ? AND ?"
        latest = store.execute(total, [category, "2025-10", "2026-09"]).fetchone()[0]
        before = store.execute(total, [category, "2024-10", "2025-09"]).fetchone()[0]
        return latest / before

    assert latest_on_year_before("Shoplifting") > 1.05
    assert latest_on_year_before(demo.ASB) < 1.0


def test_shoplifting_happens_where_the_shops_are(demo_files):
    rows = street_rows(demo_files)
    places = rows[rows["Crime type"] == "Shoplifting"]["Location"].value_counts()
    shops = places[["On or near Supermarket", "On or near Shopping Area"]].sum()
    assert shops / places.sum() > 0.4


# --- Partner indicators, targets, plans ------------------------------------------------------------------


def test_partner_indicators_for_every_csp(store):
    catalogue = frame(store, "SELECT key, polarity, unit FROM indicators").set_index("key")
    assert {i.key for i in demo.PARTNER_INDICATORS} == set(catalogue.index)
    assert "higher_is_better" == catalogue.at["domestic-abuse-incidents", "polarity"]
    assert "lower_is_better" == catalogue.at["ksi-casualties", "polarity"]
    held = frame(store, "SELECT indicator_key, area_code, period, value, numerator, denominator "
                        "FROM observations")
    for plan in demo.DISTRICTS:
        mine = held[held["area_code"] == plan.csp_code]
        assert {i.key for i in demo.PARTNER_INDICATORS} == set(mine["indicator_key"])
    monthly = held[held["indicator_key"] == "domestic-abuse-incidents"]["period"]
    assert monthly.str.fullmatch(r"\d{4}-\d{2}").all()
    entrants = held[held["indicator_key"] == "first-time-entrants"]
    assert entrants["period"].str.fullmatch(r"\d{4}/\d{2}").all()
    recomputed = (entrants["numerator"] / entrants["denominator"] * 100_000).round(1)
    assert np.allclose(recomputed, entrants["value"])


def test_every_csp_has_targets_on_known_measures(store):
    targets = frame(store, "SELECT * FROM targets")
    assert {p.csp_code for p in demo.DISTRICTS} == set(targets["csp_code"])
    measures = known_measure_keys(store)
    assert set(targets["indicator_key"]) <= measures
    assert {"percent_change", "absolute", "direction"} == set(targets["target_type"])
    assert {"fytd", "rolling_12", "year_end"} == set(targets["basis"])
    assert {demo.TARGET_YEAR} == set(targets["target_period"])
    castlebury = targets[targets["csp_code"] == "X22000002"]
    visits = castlebury[castlebury["indicator_key"] == "home-safety-visits"]
    assert [1600.0] == visits["target_value"].tolist()
    ppv = targets[targets["indicator_key"] == "public-place-violence"]
    assert (ppv["target_value"] == -3).all() and (ppv["baseline_period"] == demo.BASELINE_YEAR).all()


def test_action_plan(store):
    actions = frame(store, "SELECT * FROM actions")
    assert 18 <= len(actions) <= 25
    assert {"Red", "Amber", "Green", "Complete"} == set(actions["rag"])
    chosen = {r[0] for r in store.execute(
        "SELECT issue FROM assessment_scores s JOIN assessment_versions v ON v.id = s.version_id "
        "WHERE s.chosen = 1 AND v.status = 'saved'")}
    assert set(actions["priority"]) <= chosen | {"Partnership working"}
    assert chosen <= set(actions["priority"])
    keys = {k for text in actions["measure_keys"].dropna() for k in text.split(",")}
    assert keys <= known_measure_keys(store)
    assert actions["completion_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    areas = {r[0] for r in store.execute("SELECT code FROM areas WHERE kind IN ('csp', 'county')")}
    assert set(actions["area_code"]) <= areas


def test_last_years_priority_assessment(store):
    versions = frame(store, "SELECT * FROM assessment_versions WHERE area_code = ?", [demo.COUNTY_CODE])
    agreed = versions[(versions["year"] == demo.ASSESSED_YEAR) & (versions["name"] == demo.AGREED_NAME)]
    assert "saved" == agreed["status"].item()
    scores = frame(store, "SELECT * FROM assessment_scores WHERE version_id = ?", [int(agreed["id"].item())])
    assert 4 == scores["chosen"].sum()
    # Chosen where the partnership is best placed: a high-risk issue led elsewhere is left to partners.
    chosen = scores[scores["chosen"] == 1]
    assert (chosen["position_score"] >= 60).all()
    riskier = scores["risk_score"] > chosen["risk_score"].min()
    passed_over = scores[(scores["chosen"] == 0) & riskier]
    assert len(passed_over) > 0 and (passed_over["led_elsewhere"] == 1).all()
    # The four chosen are the top four of the ranking the page draws.
    ranking = ranked(load_version(store, int(agreed["id"].item())))
    assert set(ranking.head(4)["issue"]) == set(chosen["issue"])


def test_this_years_draft_refreshes_last_years_scores_from_the_data(store):
    draft = frame(store, "SELECT * FROM assessment_versions WHERE year = ? AND status = 'draft'", [demo.NEXT_YEAR])
    assert 1 == len(draft)
    now = {a.issue: a for a in load_version(store, int(draft["id"].item()))}
    before = {a.issue: a for a in demo.agreed_assessment()}
    assert set(now) == set(before)
    for issue, was in before.items():
        kept = {f: getattr(was, f) for f in ("physical", "scope", "vulnerability", "capacity", "led_elsewhere")}
        assert kept == {f: getattr(now[issue], f) for f in kept}
        if was.indicator_key is None:  # no data: nothing to refresh
            assert replace(was, chosen=False) == now[issue]
    assert not any(a.chosen for a in now.values())



def known_measure_keys(db: sqlite_utils.Database) -> set[str]:
    """Indicator keys a target or action may name: partner indicators, police.uk categories, and PPV."""
    partner = {r[0] for r in db.execute("SELECT key FROM indicators")}
    categories = {demo.slug(r[0]) for r in db.execute("SELECT DISTINCT category FROM monthly_counts")}
    return partner | categories | {"public-place-violence"}


# --- Small parts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, key",
    [
        ("Anti-social behaviour", "anti-social-behaviour"),
        ("Criminal damage and arson", "criminal-damage-and-arson"),
        ("Theft from the person", "theft-from-the-person"),
    ],
)
def test_slug(name, key):
    assert key == demo.slug(name)


@given(st.lists(st.tuples(st.integers(0, 5), st.floats(0.01, 100)), min_size=1, max_size=60))
def test_cumulative_within_ends_each_group_at_one(pairs):
    pairs.sort(key=lambda p: p[0])
    groups = np.array([g for g, _ in pairs])
    weights = np.array([w for _, w in pairs])
    within = demo.cumulative_within(groups, weights)
    for group in np.unique(groups):
        values = within[groups == group]
        assert values[-1] == 1.0
        assert (np.diff(values) >= 0).all() and (values > 0).all()


def test_crime_ids_are_stable_64_hex():
    ids = demo.crime_ids("2025-01", 3)
    assert ids == demo.crime_ids("2025-01", 3)
    assert all(re.fullmatch(r"[0-9a-f]{64}", i) for i in ids)
    assert len(set(ids + demo.crime_ids("2025-02", 3))) == 6
