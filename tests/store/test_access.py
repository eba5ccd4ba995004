"""The one gate: a connection opened for the public view holds no restricted indicator and no exact small count,
whatever is asked of it; a partner's connection and a direct one hold everything."""

from __future__ import annotations

import sqlite3

import pytest

from lib.core.areas import find_area
from lib.core.catalogue import indicator_catalogue
from lib.core.periods import custom_period, latest_12_months
from lib.hotspots import gi_star as hotspots
from lib.performance import targets
from lib.priorities import evidence as priority_evidence
from lib.store import holdings
from lib.store.access import PARTNERS, PUBLIC, hidden_indicator_keys, is_public, narrow, open_for, viewer_for, viewer_of
from lib.store.db import open_store
from lib.store.series import monthly_series
from tests.app_support import copy_store, demo_store_file
from tests.conftest import read_only, store_fingerprint

RESTRICTED = "domestic-abuse-incidents"  # the demo's restricted partner indicator
NARROWED = ("indicators", "observations", "targets", "target_history")


def _counts(db) -> dict[str, int]:
    return {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in NARROWED}


@pytest.fixture
def store(tmp_path):
    """A demo store with a target change recorded on the restricted indicator and one on another."""
    path = copy_store(demo_store_file(), tmp_path / "demo.db")
    db = open_store(path)
    for key in (RESTRICTED, "ksi-casualties"):
        target = next(t for t in targets.load_targets(db, "X22000003") if t.indicator_key == key)
        targets.update_target(db, target.id, {"commentary": f"Checked {key}"}, "lead@example.gov.uk", "test")
    db.close()
    return path


def test_the_public_connection_holds_nothing_of_a_restricted_indicator(store):
    with sqlite3.connect(store) as raw:
        key = {table: "key" if table == "indicators" else "indicator_key" for table in NARROWED}
        hidden = {table: raw.execute(f"SELECT COUNT(*) FROM {table} WHERE {key[table]} = ?", [RESTRICTED]).fetchone()[0]
                  for table in NARROWED}
        everything = {table: raw.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in NARROWED}
    assert all(hidden.values()), f"every table must hold the restricted indicator, or this proves little: {hidden}"
    public = open_for(store, PUBLIC)
    assert _counts(public) == {table: everything[table] - hidden[table] for table in NARROWED}
    name, source = sqlite3.connect(store).execute("SELECT name, source FROM indicators WHERE key = ?",
                                                  [RESTRICTED]).fetchone()
    # However the question is put: joins, LIKE, the key itself.
    assert not public.execute("SELECT * FROM indicators WHERE name LIKE '%domestic%' OR source = ?",
                              [source]).fetchall()
    assert not public.execute("SELECT o.* FROM observations o JOIN indicators i ON i.key = o.indicator_key "
                              "WHERE o.indicator_key = ?", [RESTRICTED]).fetchall()
    assert RESTRICTED not in {i.key for i in indicator_catalogue(public)}
    assert name not in {i.name for i in indicator_catalogue(public)}
    assert hidden_indicator_keys(public) == {RESTRICTED}  # its key only, to say "figures restricted"


def test_partners_and_direct_connections_hold_everything(store):
    partners, direct = open_for(store, PARTNERS), open_store(store)
    assert _counts(partners) == _counts(direct)
    assert RESTRICTED in {i.key for i in indicator_catalogue(partners)}
    assert hidden_indicator_keys(partners) == hidden_indicator_keys(direct) == set()
    assert viewer_of(direct) == PARTNERS and viewer_of(partners) == PARTNERS and not is_public(direct)


def test_the_public_connection_cannot_write_what_it_cannot_see(store):
    before = store_fingerprint(open_store(store))
    public = open_for(store, PUBLIC)
    for sql in ("DELETE FROM observations", "UPDATE indicators SET restricted = 0",
                "INSERT INTO targets (csp_code, indicator_key, measure, target_type, target_period) "
                "VALUES ('X22000001', 'burglary', 'x', 'direction', '2026/27')"):
        with pytest.raises(sqlite3.OperationalError, match="view"):
            public.execute(sql)
    assert store_fingerprint(open_store(store)) == before


def test_a_connection_is_narrowed_once_and_never_widened(store):
    public = open_for(store, PUBLIC)
    with pytest.raises(ValueError, match="already narrowed"):
        narrow(public, PARTNERS)
    assert viewer_of(public) == PUBLIC
    # A read-only store can be narrowed too: the views live in the connection's own temporary schema.
    assert viewer_of(narrow(read_only(store), PUBLIC)) == PUBLIC


def test_flagging_an_indicator_restricted_hides_it_from_an_open_connection(store):
    public = open_for(store, PUBLIC)
    assert "ksi-casualties" in {i.key for i in indicator_catalogue(public)}
    with sqlite3.connect(store) as raw:
        raw.execute("UPDATE indicators SET restricted = 1 WHERE key = 'ksi-casualties'")
    assert "ksi-casualties" not in {i.key for i in indicator_catalogue(public)}
    assert hidden_indicator_keys(public) == {RESTRICTED, "ksi-casualties"}


@pytest.mark.parametrize(("public_mode", "partner", "viewer"), [
    (False, True, PARTNERS), (True, True, PUBLIC), (False, False, PUBLIC), (True, False, PUBLIC)])
def test_only_a_partner_in_private_mode_sees_partners_figures(public_mode, partner, viewer):
    assert viewer_for(public_mode, partner) == viewer


def test_every_reader_built_on_the_public_connection_is_blind_to_it(store):
    public, partners = open_for(store, PUBLIC), open_for(store, PARTNERS)
    county = find_area(public, "Avonmere")
    period = latest_12_months("2023-10", "2026-09")
    full = {i.key: i for i in indicator_catalogue(partners)}[RESTRICTED]
    assert monthly_series(public, full, county).empty  # the series reads observations: none to read
    assert not monthly_series(partners, full, county).empty
    assert RESTRICTED not in {t.indicator_key for t in targets.load_targets(public)}
    assert RESTRICTED in {t.indicator_key for t in targets.load_targets(partners)}
    assert [row["indicator_key"] for row in targets.target_history(public, "X22000003")] == ["ksi-casualties"]
    assert RESTRICTED in {row["indicator_key"] for row in targets.target_history(partners, "X22000003")}
    issue = next(i for i in priority_evidence.CANDIDATE_ISSUES if i.indicator_key == RESTRICTED)
    shown = priority_evidence.issue_evidence(public, issue, county, period)
    seen = priority_evidence.issue_evidence(partners, issue, county, period)
    assert shown.restricted and shown.volume is None and shown.trend == priority_evidence.FIGURES_RESTRICTED
    assert seen.volume and seen.volume > 1000 and seen.source != shown.source
    assert full.name not in holdings.indicator_catalogue(public)["Indicator"].tolist()
    assert holdings.rejected_rows(public).empty and not holdings.rejected_rows(partners).empty


def test_public_hotspots_map_whole_periods_and_protect_their_counts(store):
    public, partners = open_for(store, PUBLIC), open_for(store, PARTNERS)
    csp = find_area(public, "X22000002")
    period = latest_12_months("2023-10", "2026-09")
    args = (csp, ["Drugs"], period.start, period.end, "lsoa")
    shown, exact = hotspots.hotspot_cells(public, *args), hotspots.hotspot_cells(partners, *args)
    assert shown.public and not exact.public
    assert shown.total == exact.total  # the area's own total is not protected
    small = exact.cells["count"].between(1, 4)
    assert small.any(), "the demo CSP must have LSOAs with 1 to 4 drug offences, or this proves little"
    assert (shown.cells.loc[small, "count_status"] == "small").all() and shown.cells.loc[small, "count"].isna().all()
    assert (shown.cells["count"].dropna() % 5 == 0).all()
    assert shown.cells[["gi_z", "gi_p"]].isna().all().all()
    assert shown.cells["gi_class"].tolist() == exact.cells["gi_class"].tolist()  # tested on the exact counts
    months = custom_period("2025-11", "2026-02")
    with pytest.raises(ValueError, match="whole periods"):
        hotspots.hotspot_cells(public, csp, ["Drugs"], months.start, months.end, "lsoa")
    assert not hotspots.hotspot_cells(partners, csp, ["Drugs"], months.start, months.end, "lsoa").public
