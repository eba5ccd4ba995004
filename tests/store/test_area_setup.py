"""Set up your area (issue 18): the files a CSP's store needs, read from real stores."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from lib.core.areas import find_area
from lib.store.area_setup import (
    ESSENTIAL,
    PARTNERSHIP,
    actions_template,
    csps_of_force,
    forces_in_lookup,
    indicators_template,
    setup_steps,
)
from lib.store.db import memory_store
from tests.conftest import EAST_SUSSEX_CSPS, SUSSEX_FILE, raw_police_rows


@pytest.fixture
def demo_store_copy(tmp_path):
    from lib.store.db import open_store
    from tests.app_support import copy_store, demo_store_file

    path = copy_store(demo_store_file(), tmp_path / "demo.db")
    db = open_store(path)
    yield db, tmp_path
    db.close()


def steps_by_name(db, force: str, csp: str) -> dict:
    return {s.name: s for s in setup_steps(db, find_area(db, force), find_area(db, csp), 2018)}


def test_a_real_first_store_holds_the_open_data_and_none_of_the_partnerships_own(sussex):
    steps = steps_by_name(sussex, "E23000033", "E22000295")
    assert all(s.held for s in steps.values() if s.group == ESSENTIAL), steps
    assert not any(s.held for s in steps.values() if s.group == PARTNERSHIP), steps
    assert steps["District → county lookup"].status == "Eastbourne is in East Sussex"
    assert steps["Population"].status.startswith("mid-2019 population ")


def test_the_police_step_counts_the_months_of_the_raw_file(sussex):
    months = sorted({row["Month"] for row in raw_police_rows(SUSSEX_FILE)})
    step = steps_by_name(sussex, "E23000033", "E22000295")["police.uk street-level files for Sussex"]
    assert step.status.startswith(f"{len(months)} months, ")


def test_a_unitary_csp_has_no_county_and_says_so(sussex):
    step = steps_by_name(sussex, "E23000033", "Brighton and Hove")["District → county lookup"]
    assert not step.held and "directly under its force area" in step.status


def test_the_demo_holds_the_partnerships_own_figures(demo):
    steps = steps_by_name(demo, "X23000001", "X22000001")
    assert steps["Targets for the CSP's measures"].held
    assert steps["Threat, harm and risk assessment"].held
    assert steps["Partner indicators"].held and steps["Action plan"].held


def test_the_forces_and_csps_come_from_the_lookup(sussex):
    forces = forces_in_lookup(sussex)
    assert len(forces) == 43  # every police force area of England and Wales in the 2017 lookup
    sussex_force = next(f for f in forces if f.name == "Sussex")
    csps = {c.code for c in csps_of_force(sussex, sussex_force)}
    assert set(EAST_SUSSEX_CSPS) <= csps and len(csps) == 13


def test_an_empty_store_names_no_force():
    assert forces_in_lookup(memory_store()) == []


def test_the_templates_import_as_written(demo_store_copy):
    """Each template, filled in as a partner would, imports without a refusal."""
    from lib.importers.indicators import import_indicators
    from lib.priorities.action_plan import import_actions

    db, folder = demo_store_copy
    csp = find_area(db, "X22000001")
    indicators = indicators_template(csp).assign(period="2026-04", value=12)
    actions = actions_template(csp).assign(action="Patrols at the seafront", rag="Green")
    for name, frame, importer in (("indicators.csv", indicators, import_indicators),
                                  ("actions.csv", actions, import_actions)):
        path = folder / name
        path.write_text(frame.to_csv(index=False))
        importer(db, path)
    assert db.execute("SELECT value FROM observations WHERE indicator_key = 'domestic-abuse-incidents' "
                      "AND area_code = 'X22000001' AND period = '2026-04'").fetchone()[0] == 12
    assert db.execute("SELECT rag FROM actions WHERE action = 'Patrols at the seafront'").fetchone()[0] == "Green"
    assert list(pd.read_csv(io.StringIO(indicators.to_csv(index=False))).columns) == list(indicators.columns)
