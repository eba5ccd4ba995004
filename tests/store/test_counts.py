"""Months held: a stray record at either end of the store never moves the default period onto empty months."""

from __future__ import annotations

import pytest

from lib.cli import pack_period
from lib.importers.police_uk import import_police_uk
from lib.store.counts import months_held
from lib.store.db import open_store
from lib.store.summary import store_overview
from tests.conftest import real_file

REAL_MONTHS = ["2018-10", "2018-11", "2018-12", "2019-01", "2019-02"]


@pytest.fixture
def suffolk(tmp_path):
    db = open_store(tmp_path / "csp.db")
    import_police_uk(db, [real_file("police_uk/suffolk-street_2018-10_2019-02.csv.gz")])
    yield db
    db.close()


@pytest.mark.parametrize("stray", ["2029-02", "2099-01", "2001-06"])
def test_a_stray_month_in_an_old_store_is_not_where_the_data_starts_or_ends(suffolk, stray):
    assert months_held(suffolk) == REAL_MONTHS
    # A store filled before future months were refused: one row dated years away.
    suffolk.execute("INSERT INTO monthly_counts SELECT lsoa_code, ?, category, district_code, csp_code, 1 "
                    "FROM monthly_counts LIMIT 1", [stray])
    assert suffolk.execute("SELECT COUNT(*) FROM month_totals WHERE month = ?", [stray]).fetchone()[0] == 1
    assert months_held(suffolk) == REAL_MONTHS
    overview = store_overview(suffolk)
    assert (overview.first_month, overview.last_month) == ("2018-10", "2019-02")
    latest = pack_period(suffolk, "latest-12")
    assert (latest.start, latest.end) == ("2018-10", "2019-02")


def test_a_quiet_month_inside_the_data_is_kept(suffolk):
    suffolk.execute("DELETE FROM monthly_counts WHERE month = '2018-12' AND csp_code <> 'csp:Ipswich'")
    assert months_held(suffolk) == REAL_MONTHS  # a gap is data (a quiet month), not a stray
    suffolk.execute("DELETE FROM monthly_counts WHERE month = '2019-02'")
    assert months_held(suffolk) == REAL_MONTHS[:-1]
    assert months_held(suffolk, "2018-11", "2018-12") == ["2018-11", "2018-12"]
