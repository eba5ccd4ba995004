"""The pre-aggregated count tables (migrations 4 to 6): always equal to a recount, kept so by every writer,
and built for a store that predates them."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.core.areas import find_area
from lib.hotspots.study_area import incident_groups as _incident_groups
from lib.importers.lookups import import_lookup
from lib.importers.police_uk import import_police_uk
from lib.store.counts import monthly_counts
from lib.store.db import MIGRATIONS, open_store, schema_version
from tests.conftest import real_file

SUFFOLK_FILE = "police_uk/suffolk-street_2018-10_2019-02.csv.gz"
CSP_RECOUNT = (
    "SELECT csp_code, category, month, SUM(count) FROM monthly_counts GROUP BY csp_code, category, month "
    "ORDER BY 1, 2, 3"
)
MONTH_RECOUNT = "SELECT month, SUM(count) FROM monthly_counts GROUP BY month ORDER BY month"
POINT_RECOUNT = (
    "SELECT i.month, p.lsoa_code, i.category_id, i.point_id, COUNT(*) FROM incidents i "
    "JOIN points p ON p.id = i.point_id GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
)


def csp_totals(db) -> list[tuple]:
    return db.execute("SELECT csp_code, category, month, count FROM csp_monthly_counts ORDER BY 1, 2, 3").fetchall()


def point_totals(db) -> list[tuple]:
    return db.execute(
        "SELECT month, lsoa_code, category_id, point_id, count FROM point_monthly_counts ORDER BY 1, 2, 3, 4"
    ).fetchall()


def month_totals(db) -> list[tuple]:
    return db.execute("SELECT month, count FROM month_totals ORDER BY month").fetchall()


def assert_equal_to_recounts(db) -> None:
    assert csp_totals(db) == db.execute(CSP_RECOUNT).fetchall()
    assert month_totals(db) == db.execute(MONTH_RECOUNT).fetchall()
    assert point_totals(db) == db.execute(POINT_RECOUNT).fetchall()


def test_the_real_sussex_import_keeps_both_tables_equal_to_recounts(sussex):
    assert_equal_to_recounts(sussex)
    total = sussex.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
    assert total == sussex.execute("SELECT SUM(count) FROM csp_monthly_counts").fetchone()[0]
    assert total == sussex.execute("SELECT SUM(count) FROM point_monthly_counts").fetchone()[0]


def test_hot_spot_counts_per_point_equal_counting_the_incidents(sussex):
    """The map's counts per snap point and period, from point_monthly_counts, against the incidents themselves."""
    for name, categories in [("Eastbourne", ["Anti-social behaviour"]), ("East Sussex", []),
                             ("Hastings", ["Violence and sexual offences", "Public order"])]:
        area = find_area(sussex, name)
        csps = [area.code] if area.kind == "csp" else [
            r[0] for r in sussex.execute("SELECT code FROM areas WHERE parent_code = ? AND kind = 'csp'", [area.code])
        ]
        marks = ", ".join("?" for _ in csps)
        category_clause = f"AND c.name IN ({', '.join('?' for _ in categories)})" if categories else ""
        expected = pd.DataFrame(sussex.execute(
            "SELECT p.longitude, p.latitude, p.lsoa_code, p.location, i.month >= '2019-01' AS current, COUNT(*) "
            "FROM incidents i JOIN points p ON p.id = i.point_id JOIN categories c ON c.id = i.category_id "
            f"WHERE p.csp_code IN ({marks}) AND i.month BETWEEN '2018-11' AND '2019-02' {category_clause} "
            "GROUP BY p.id, current", [*csps, *categories],
        ).fetchall(), columns=["longitude", "latitude", "lsoa_code", "location", "current", "count"])
        found = _incident_groups(sussex, area, categories, "2018-11", "2019-01", "2019-02")
        assert len(found) > 50
        order = ["longitude", "latitude", "location", "current"]
        pd.testing.assert_frame_equal(found.sort_values(order).reset_index(drop=True),
                                      expected.sort_values(order).reset_index(drop=True))


def test_a_lookup_after_the_incidents_refiles_the_csp_totals_and_a_reimport_adds_nothing(tmp_path):
    db = open_store(tmp_path / "csp.db")
    import_police_uk(db, [real_file(SUFFOLK_FILE)])
    provisional = {r[0] for r in db.execute("SELECT DISTINCT csp_code FROM csp_monthly_counts")}
    assert "csp:Babergh" in provisional  # no lookup yet: each district is its own provisional CSP
    assert_equal_to_recounts(db)
    points_before = point_totals(db)

    import_lookup(db, real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    refiled = {r[0] for r in db.execute("SELECT DISTINCT csp_code FROM csp_monthly_counts")}
    western_suffolk = find_area(db, "Western Suffolk").code
    assert western_suffolk in refiled and not any(code.startswith("csp:") for code in refiled)
    assert_equal_to_recounts(db)
    assert points_before == point_totals(db)  # keyed by LSOA, which a lookup never changes

    before = (csp_totals(db), point_totals(db))
    import_police_uk(db, [real_file(SUFFOLK_FILE)])
    assert before == (csp_totals(db), point_totals(db))
    db.close()


def test_any_write_to_monthly_counts_reaches_the_csp_totals(db):
    rows = [("E01000001", "2024-01", "Burglary", "D1", "C1", 3), ("E01000002", "2024-01", "Burglary", "D1", "C1", 4),
            ("E01000003", "2024-01", "Drugs", "D2", "C2", 1)]
    db.conn.executemany("INSERT INTO monthly_counts (lsoa_code, month, category, district_code, csp_code, count) "
                        "VALUES (?, ?, ?, ?, ?, ?)", rows)
    assert [("C1", "Burglary", "2024-01", 7), ("C2", "Drugs", "2024-01", 1)] == csp_totals(db)
    db.execute("INSERT INTO monthly_counts VALUES ('E01000001', '2024-01', 'Burglary', 'D1', 'C1', 2) "
               "ON CONFLICT DO UPDATE SET count = count + excluded.count")  # how the importer adds to a held row
    db.execute("UPDATE monthly_counts SET csp_code = 'C2' WHERE lsoa_code = 'E01000002'")  # re-filed by a lookup
    assert [("C1", "Burglary", "2024-01", 5), ("C2", "Burglary", "2024-01", 4), ("C2", "Drugs", "2024-01", 1)] == (
        csp_totals(db))
    db.execute("DELETE FROM monthly_counts WHERE lsoa_code = 'E01000003'")
    assert [("C1", "Burglary", "2024-01", 5), ("C2", "Burglary", "2024-01", 4)] == csp_totals(db)  # no zero rows
    assert csp_totals(db) == db.execute(CSP_RECOUNT).fetchall()
    assert [("2024-01", 9)] == month_totals(db)
    db.execute("DELETE FROM monthly_counts")
    assert [] == month_totals(db) == csp_totals(db)  # no zero rows


@pytest.mark.parametrize("version", [3, 4, 5, 6, 7])
def test_a_store_from_before_the_count_tables_is_upgraded_on_opening(tmp_path, version):
    path = tmp_path / "csp.db"
    db = open_store(path)
    import_lookup(db, real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    import_police_uk(db, [real_file(SUFFOLK_FILE)])
    area = find_area(db, "Ipswich")
    series = monthly_counts(db, area, ["Anti-social behaviour"])
    expected = (csp_totals(db), point_totals(db))
    # Take the store back to the schema it had at ``version``, as a store built then would be.
    for trigger in ("insert", "update", "delete"):
        db.execute(f"DROP TRIGGER csp_monthly_counts_{trigger}")
    db.execute("DROP TABLE month_totals")
    if version < 7:
        db.execute("ALTER TABLE boundaries DROP COLUMN hectares")
    if version < 6:
        db.execute("DROP INDEX csp_monthly_counts_month")
        db.execute("CREATE INDEX monthly_counts_month ON monthly_counts (month)")
    if version < 5:
        db.execute("DROP TABLE point_monthly_counts")
        db.execute("DROP INDEX points_csp_place")
        db.execute("CREATE INDEX points_csp ON points (csp_code)")
    if version < 4:
        for trigger in ("insert", "update", "delete"):
            db.execute(f"DROP TRIGGER monthly_counts_{trigger}")
        db.execute("DROP TABLE csp_monthly_counts")
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])
    db.close()

    db = open_store(path)
    assert len(MIGRATIONS) == schema_version(db)
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    assert {"points_csp_place", "points_lsoa", "csp_monthly_counts_month"} <= indexes
    assert not {"points_csp", "monthly_counts_month"} & indexes
    assert expected == (csp_totals(db), point_totals(db))
    pd.testing.assert_frame_equal(series, monthly_counts(db, area, ["Anti-social behaviour"]))
    assert month_totals(db) == db.execute(MONTH_RECOUNT).fetchall()
    db.close()
