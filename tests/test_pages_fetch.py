"""The Data page's fetch from police.uk, driven through the real app (AppTest) against a local stand-in for
data.police.uk whose archives are built in the test from the real Sussex and Suffolk files (tests/police_uk_archive.py).

Editors only; where the server cannot reach police.uk the page says so and points to the upload instead.
"""

from __future__ import annotations

import pytest

from lib.store.db import open_store
from tests.app_support import EDITOR, PARTNER, open_page
from tests.conftest import FETCH_MONTHS, SUSSEX_FILE, store_fingerprint
from tests.police_uk_archive import closed_port_url, street_months

DATA = "pages/data.py"
TAB = "Upload or fetch"


def _open(monkeypatch, store, base_url: str, editor: str | None = EDITOR):
    monkeypatch.setenv("CSP_POLICE_UK_URL", base_url)
    return open_page(monkeypatch, store, DATA, editor=editor, tab=TAB)


def _button(app, label: str):
    return next(b for b in app.button if b.label == label)


def _choose(app, force: str, first: str, last: str):
    app.selectbox(key="data_fetch_force").select(force)
    app.selectbox(key="data_fetch_from").select(first)
    app.selectbox(key="data_fetch_to").select(last)
    return app


def _words(elements) -> str:
    return " ".join(e.value.replace("\\", "") for e in elements)  # Markdown escapes off: as a reader sees them


def _texts(app) -> str:
    return _words([*app.info, *app.error, *app.success, *app.caption])


def test_offline_the_page_says_it_cannot_reach_police_uk_and_points_to_the_upload(monkeypatch, fetch_store):
    app = _open(monkeypatch, fetch_store, closed_port_url())
    assert not app.exception
    info = _words(app.info)
    assert "cannot reach police.uk" in info and "cannot reach the server" in info
    assert "https://data.police.uk/data/" in info and "upload them above" in info
    assert "Fetch and import" not in [b.label for b in app.button]


@pytest.mark.parametrize("who", [None, PARTNER])
def test_only_editors_are_offered_the_fetch(monkeypatch, fetch_store, police_uk, who):
    app = _open(monkeypatch, fetch_store, police_uk.base_url, editor=who)
    assert not app.exception
    assert "Fetch and import" not in [b.label for b in app.button]
    assert police_uk.requests == []  # nobody who may not fetch makes the server ask police.uk anything


def test_the_form_offers_police_uk_s_months_and_the_force_of_the_chosen_area(monkeypatch, fetch_store, police_uk):
    app = _open(monkeypatch, fetch_store, police_uk.base_url)
    assert not app.exception
    assert "published street data up to February 2019" in _texts(app)
    months = app.selectbox(key="data_fetch_to").options
    assert months[0] == "February 2019" and months[-1] == "December 2010"
    assert app.selectbox(key="data_fetch_from").value == "2018-03"  # the latest 12 months by default
    assert "sussex" in app.selectbox(key="data_fetch_force").options


def test_checking_lists_the_archive_and_changes_nothing(monkeypatch, fetch_store, police_uk):
    before = store_fingerprint(open_store(fetch_store))
    app = _choose(_open(monkeypatch, fetch_store, police_uk.base_url), "sussex", "2018-10", "2019-02")
    app = _button(app, "Check what it would fetch").click().run()
    assert not app.exception
    plan = next(c.value for c in app.code if "street files for" in c.value)
    assert "police.uk street files for sussex: 2018-10 to 2019-02 (5 months)" in plan
    assert f"{police_uk.base_url}/data/archive/2019-02.zip (" in plan  # with its size, from a HEAD request
    assert police_uk.downloads() == []
    assert store_fingerprint(open_store(fetch_store)) == before


def test_fetching_imports_every_row_of_the_real_months(monkeypatch, fetch_store, police_uk):
    app = _choose(_open(monkeypatch, fetch_store, police_uk.base_url), "sussex", "2018-10", "2019-02")
    app = _button(app, "Fetch and import").click().run()
    assert not app.exception
    successes = [s.value.replace("\\", "") for s in app.success]
    assert [s.split(":")[0] for s in successes] == [f"police-uk {m}-sussex-street.csv" for m in FETCH_MONTHS]
    # An independent recount: every row of the real file's month is held, as an incident or a rejected row.
    rows = {month: data.count(b"\n") - 1 for month, data in street_months(SUSSEX_FILE).items()}
    db = open_store(fetch_store)
    held = dict(db.execute("SELECT month, COUNT(*) FROM incidents GROUP BY 1").fetchall())
    rejected = dict(db.execute("SELECT month, COUNT(*) FROM rejected_rows GROUP BY 1").fetchall())
    assert {m: held.get(m, 0) + rejected.get(m, 0) for m in FETCH_MONTHS} == rows
    assert police_uk.downloads() == ["/data/archive/2019-02.zip"]


@pytest.mark.parametrize("failure", [404, 500])
def test_a_failed_download_imports_nothing_and_says_what_happened(monkeypatch, fetch_store, police_uk, failure):
    police_uk.failures["/data/archive/2019-02.zip"] = failure
    before = store_fingerprint(open_store(fetch_store))
    app = _choose(_open(monkeypatch, fetch_store, police_uk.base_url), "sussex", "2018-10", "2019-02")
    app = _button(app, "Fetch and import").click().run()
    assert not app.exception
    error = _words(app.error)
    assert error.startswith(f"Nothing was imported: {police_uk.base_url}/data/archive/2019-02.zip")
    assert f"HTTP {failure}" in error
    assert store_fingerprint(open_store(fetch_store)) == before


def test_a_cut_short_download_imports_nothing(monkeypatch, fetch_store, police_uk):
    police_uk.cut_short.add("/data/archive/2019-02.zip")
    before = store_fingerprint(open_store(fetch_store))
    app = _choose(_open(monkeypatch, fetch_store, police_uk.base_url), "sussex", "2018-10", "2019-02")
    app = _button(app, "Fetch and import").click().run()
    assert "cut short" in _words(app.error)
    assert store_fingerprint(open_store(fetch_store)) == before


def test_months_police_uk_does_not_hold_for_the_force_are_refused_with_the_month(monkeypatch, fetch_store, police_uk):
    app = _choose(_open(monkeypatch, fetch_store, police_uk.base_url), "sussex", "2018-09", "2019-02")
    app = _button(app, "Fetch and import").click().run()
    assert not app.exception
    assert "holds no street file for sussex in 2018-09" in _words(app.error)


def test_the_force_of_the_sidebar_s_area_is_chosen_already(monkeypatch, sussex_store_path, police_uk, tmp_path):
    from tests.app_support import copy_store

    store = copy_store(sussex_store_path, tmp_path / "sussex.db")
    monkeypatch.setenv("CSP_POLICE_UK_URL", police_uk.base_url)
    app = open_page(monkeypatch, store, DATA, editor=EDITOR, tab=TAB, area="E22000295")  # Eastbourne
    assert not app.exception
    assert app.selectbox(key="data_fetch_force").value == "sussex"
