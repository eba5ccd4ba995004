"""Measures without targets, on the real Sussex store (five months of police.uk, no targets): each headline indicator's
status is exactly the overview's judgement of its cell, the comparator is the first the store can answer and says
why, the targets template imports as it is filled in, and a county's grid shows every CSP."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pandas as pd
import pytest

from lib.core.areas import find_area
from lib.core.catalogue import HEADLINE_KEYS, find_indicator, headline_indicators, indicator_catalogue
from lib.core.export import csv_bytes
from lib.core.periods import Period, latest_12_months
from lib.importers.base import ImportFileError
from lib.performance.comparators import COUNTY, FORCE, LAST_YEAR, TARGET
from lib.performance.headline_measures import (
    NOT_COMPARED_STATUS,
    NOT_RATED,
    TEMPLATE_COLUMNS,
    area_headline_statuses,
    baseline_figure,
    comparator_choice,
    compared_with,
    csp_headline_statuses,
    headline_rule,
    status_counts,
    targets_template,
    template_years,
    why_compared,
)
from lib.performance.measures import AMBER, GREEN, NO_DATA, RED, evaluate_measure, statuses_for_year
from lib.performance.overview import overview_areas, overview_cells
from lib.performance.tables import CSP_COLUMN, MEASURE_COLUMN, grid_csp, headline_table, measures_grid, rag_grid
from lib.performance.targets import import_targets, load_targets
from lib.stats.statistics import BETTER, HIGHER, LOWER, NOT_COMPARED, SIMILAR, WORSE
from lib.store.db import open_store
from tests.app_support import copy_store, demo_store_file
from tests.conftest import EAST_SUSSEX_CSPS

EASTBOURNE, EAST_SUSSEX, SUSSEX_FORCE = "E22000295", "E10000011", "E23000033"
RAG_OF = {BETTER: GREEN, SIMILAR: AMBER, WORSE: RED}


def held_period(db) -> Period:
    first, last = db.execute("SELECT MIN(month), MAX(month) FROM csp_monthly_counts").fetchone()
    return latest_12_months(first, last)


@pytest.fixture(scope="module")
def period(sussex) -> Period:
    return held_period(sussex)


def expected_status(cell) -> str:
    """The status the overview's judgement should read as, worked out here from the judgement alone."""
    if cell.count is None:
        return NO_DATA
    if cell.judgement == NOT_COMPARED:
        return NOT_COMPARED_STATUS
    if cell.indicator.polarity == "neutral" or cell.judgement in (HIGHER, LOWER):
        return NOT_RATED
    return RAG_OF[cell.judgement]


def test_on_sussex_last_year_is_not_held_so_the_county_is_the_comparator_and_the_page_says_why(sussex, period):
    choice = comparator_choice(sussex, find_area(sussex, EASTBOURNE), period)
    assert COUNTY == choice.default and LAST_YEAR not in choice.answerable
    assert "East Sussex (the county)" == compared_with(choice, COUNTY)
    why = why_compared(choice, COUNTY)
    assert why.startswith("Compared with East Sussex (the county), because last year cannot be used")
    assert "October 2017 to February 2018" in why  # the months a year earlier, named
    rule = headline_rule(compared_with(choice, COUNTY))
    for words in ("**Green**: better than East Sussex (the county) beyond chance",
                  "**Amber**: similar to East Sussex (the county) (the difference could be chance)",
                  "**Red**: worse than East Sussex (the county) beyond chance", "**Not rated**"):
        assert words in rule


def test_at_force_level_with_no_county_the_force_is_the_comparator(sussex, period):
    choice = comparator_choice(sussex, find_area(sussex, SUSSEX_FORCE), period)
    assert FORCE == choice.default
    assert "the county cannot be used" in why_compared(choice, FORCE)


@pytest.mark.parametrize("comparator", [COUNTY, FORCE, "all_csps"])
def test_each_csps_status_is_what_its_overview_cell_says(sussex, period, comparator):
    county = find_area(sussex, EAST_SUSSEX)
    areas = overview_areas(sussex, county)
    indicators = headline_indicators(indicator_catalogue(sussex))
    cells = {(c.area.code, c.indicator.key): c for c in overview_cells(sussex, areas, indicators, period, comparator)}
    for code in EAST_SUSSEX_CSPS:
        statuses = csp_headline_statuses(sussex, find_area(sussex, code), period, comparator)
        assert [s.indicator.key for s in statuses] == [i.key for i in indicators]
        for status in statuses:
            cell = cells[(code, status.indicator.key)]
            assert (status.cell.judgement, status.cell.count, status.cell.rate) == (cell.judgement, cell.count,
                                                                                    cell.rate)
            assert status.rag == expected_status(cell)
            assert status.text.startswith(status.rag)  # the word first


def test_eastbourne_gets_an_answer_on_every_headline_indicator(sussex, period):
    statuses = csp_headline_statuses(sussex, find_area(sussex, EASTBOURNE), period, COUNTY)
    assert len(statuses) == 8  # police.uk only: no partner indicators in a first store
    assert all(s.rag in (GREEN, AMBER, RED, NOT_RATED) for s in statuses)
    drugs = next(s for s in statuses if s.indicator.key == "drugs")
    assert NOT_RATED == drugs.rag and "neither higher nor lower is better" in drugs.reason
    counts = status_counts(statuses)
    assert {GREEN, AMBER, RED} <= set(counts) and sum(counts.values()) == 8
    assert NO_DATA not in counts  # shown only when some are
    table = headline_table(statuses)
    assert ["Status", "Indicator", "Rate per 1,000", "Count", "Recent trend", "Why"] == list(table.columns)
    assert "Count" not in headline_table(statuses, plain=True).columns


def test_the_county_grid_has_every_csp_by_headline_indicator(sussex, period):
    grid = measures_grid(sussex, find_area(sussex, EAST_SUSSEX), period)
    assert not grid.against_targets and COUNTY == grid.comparator
    assert set(EAST_SUSSEX_CSPS.values()) == {c.name for c in grid.csps}
    frame, words = rag_grid(grid.cells, grid.csps)
    # Five CSPs and eight indicators: the indicators go down the side, the CSPs across.
    assert [MEASURE_COLUMN, *sorted(EAST_SUSSEX_CSPS.values())] == list(frame.columns) and len(frame) == 8
    _, _, statuses = area_headline_statuses(sussex, find_area(sussex, EAST_SUSSEX), period, COUNTY)
    by_cell = {(s.area.name, s.indicator.short_name): s for s in statuses}
    for row in frame.to_dict("records"):
        for csp in EAST_SUSSEX_CSPS.values():
            status = by_cell[(csp, row[MEASURE_COLUMN])]
            assert row[csp] == status.text and words.loc[frame[MEASURE_COLUMN] == row[MEASURE_COLUMN], csp].item() \
                == status.rag
    assert "Eastbourne" == grid_csp(frame, 0, "Eastbourne", grid.csps).name


def test_a_force_grid_puts_its_csps_down_the_side(sussex, period):
    grid = measures_grid(sussex, find_area(sussex, SUSSEX_FORCE), period)
    frame, _ = rag_grid(grid.cells, grid.csps)
    assert CSP_COLUMN == frame.columns[0] and len(frame) == len(grid.csps) == 13
    assert grid_csp(frame, 3, "ASB", grid.csps) == grid.csps[3]


def test_a_county_with_targets_shows_them_in_its_grid(demo):
    period = held_period(demo)
    grid = measures_grid(demo, find_area(demo, "X10000001"), period)
    assert grid.against_targets and TARGET == grid.comparator
    frame, words = rag_grid(grid.cells, grid.csps)
    held = load_targets(demo)
    assert len(grid.cells) == len(held)  # one target per CSP and indicator in the demo
    assert set(words.iloc[:, 1:].to_numpy().ravel()) <= {GREEN, AMBER, RED, NO_DATA, ""}
    assert frame.iloc[0, 0] == "ASB"  # the headline indicators first, in the overview's order
    texts = set(frame.iloc[:, 1:].to_numpy().ravel())
    assert any(t.startswith(f"{GREEN} ✓ ") for t in texts) and "—" in texts


def test_statuses_for_year_keeps_one_per_indicator_preferring_the_year_asked(demo):
    csp = find_area(demo, "X22000001")
    target = load_targets(demo, csp.code)[0]
    catalogue = indicator_catalogue(demo)
    years = [replace(target, target_period=y) for y in ("2024/25", "2025/26", "2027/28")]
    statuses = [evaluate_measure(demo, t, find_indicator(catalogue, t.indicator_key), csp, "2026-09") for t in years]
    assert ["2025/26"] == [s.target.target_period for s in statuses_for_year(statuses, "2026/27")]
    assert ["2027/28"] == [s.target.target_period for s in statuses_for_year(statuses, "2027/28")]
    assert ["2024/25"] == [s.target.target_period for s in statuses_for_year(statuses, "2023/24")]


# The targets template ---------------------------------------------------------------------------------------


def test_template_years_are_the_year_in_progress_and_the_one_before():
    assert ("2018/19", "2017/18") == template_years("2019-02")
    assert ("2026/27", "2025/26") == template_years("2026-04")


def test_the_template_has_the_importers_columns_and_a_row_per_headline_indicator(sussex, period):
    eastbourne = find_area(sussex, EASTBOURNE)
    template = targets_template(sussex, [eastbourne], period.end)
    assert list(TEMPLATE_COLUMNS) == list(template.columns)
    keys = [i.key for i in headline_indicators(indicator_catalogue(sussex))]
    assert keys == list(template["indicator_key"]) and set(keys) <= set(HEADLINE_KEYS)
    assert {EASTBOURNE} == set(template["csp_code"]) and {"2018/19"} == set(template["target_period"])
    assert {"2017/18"} == set(template["baseline_period"])
    # 2017/18 is not held, so no baseline figure is made up; the target is left for the partnership to choose.
    assert template["baseline_figure"].isna().all() and template["target_value"].isna().all()


def test_the_template_fills_the_baseline_where_the_whole_year_is_held(demo):
    castlebury = find_area(demo, "X22000002")
    template = targets_template(demo, [castlebury], "2026-09", load_targets(demo, castlebury.code))
    burglary = template[(template["indicator_key"] == "burglary")].iloc[0]
    raw = demo.execute("SELECT COUNT(*) FROM incident_points WHERE csp_code = 'X22000002' AND category = 'Burglary' "
                       "AND month BETWEEN '2025-04' AND '2026-03'").fetchone()[0]
    assert raw == burglary["baseline_figure"] and "2025/26" == burglary["baseline_period"]
    # Held targets come first, as they are; then only the headline indicators with no target for the year.
    held = load_targets(demo, castlebury.code)
    assert [t.measure for t in held] == list(template["measure"][:len(held)])
    assert len(set(zip(template["indicator_key"], template["target_period"], strict=True))) == len(template)
    assert baseline_figure(demo, burglary_indicator(demo), castlebury, "2026/27") is None  # a part year


def burglary_indicator(db):
    return next(i for i in indicator_catalogue(db) if i.key == "burglary")


def filled_in(template: pd.DataFrame, tmp_path, value: str | None = "-3"):
    """The template as a person would send it back: downloaded, a target typed into each row."""
    rows = list(csv.DictReader(io.StringIO(csv_bytes(template).decode("utf-8-sig"))))
    for row in rows:
        if value is not None:
            row["target_value"] = value
    path = tmp_path / "targets.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_filled_in_template_imports_and_the_csp_then_has_targets(sussex_store_path, tmp_path):
    path = copy_store(sussex_store_path, tmp_path / "sussex.db")
    db = open_store(path)
    eastbourne = find_area(db, EASTBOURNE)
    period = held_period(db)
    template = targets_template(db, [eastbourne], period.end)
    summary = import_targets(db, filled_in(template, tmp_path), who="test")
    held = load_targets(db, EASTBOURNE)
    assert len(template) == summary.rows_accepted == len(held)
    assert [(t.indicator_key, t.target_type, t.target_value, t.baseline_period, t.target_period, t.basis)
            for t in held] == [(k, "percent_change", -3.0, "2017/18", "2018/19", "fytd")
                               for k in template["indicator_key"]]
    # Imported again, the template (now with the held targets first) changes nothing.
    again = targets_template(db, [eastbourne], period.end, held)
    assert len(again) == len(held)
    assert 0 == import_targets(db, filled_in(again, tmp_path, value=None), who="test").rows_accepted
    db.close()


def test_an_unfilled_template_is_refused_naming_the_target_value(sussex_store_path, tmp_path):
    path = copy_store(sussex_store_path, tmp_path / "sussex.db")
    db = open_store(path)
    template = targets_template(db, [find_area(db, EASTBOURNE)], held_period(db).end)
    with pytest.raises(ImportFileError) as refused:
        import_targets(db, filled_in(template, tmp_path, value=None))
    assert "target_value" == refused.value.column and 2 == refused.value.row
    assert [] == load_targets(db, EASTBOURNE)
    db.close()


def test_the_template_is_spreadsheet_safe(tmp_path):
    db = open_store(copy_store(demo_store_file(), tmp_path / "demo.db"))
    target = load_targets(db, "X22000002")[0]
    db.execute("UPDATE targets SET measure = '=HYPERLINK(\"http://example.invalid\")', commentary = '-2+3' "
               "WHERE id = ?", [target.id])
    db.conn.commit()
    template = targets_template(db, [find_area(db, "X22000002")], "2026-09", load_targets(db, "X22000002"))
    rows = list(csv.DictReader(io.StringIO(csv_bytes(template).decode("utf-8-sig"))))
    assert rows[0]["measure"].startswith("'=") and "'-2+3" == rows[0]["commentary"]
    assert -3.0 == float(rows[1]["target_value"])  # a negative number stays a number, unquoted
    assert all(v not in ("None", "nan") for row in rows for v in row.values())
    db.close()
