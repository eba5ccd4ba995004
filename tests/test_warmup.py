"""The warm-up: every area's opening views worked out ahead of the first visitor, so that visitor's run finds them
in the shared caches and works nothing heavy out again (checked by making the heavy work fail after the warm-up)."""

from __future__ import annotations

import pytest

from lib.hotspots import gi_star
from lib.performance import headline_measures, overview
from lib.priorities import evidence
from lib.stats import similar_areas
from lib.store.access import PUBLIC
from tests.app_support import copy_store, demo_store_file, open_page
from ui import performance, warmup
from ui.data import Store, store_version


@pytest.fixture
def demo(tmp_path):
    return copy_store(demo_store_file(), tmp_path / "demo.db")


def _store(path) -> Store:
    return Store(str(path), store_version(path), PUBLIC)


def _refuse(*args, **kwargs):
    raise AssertionError("worked out again: the warm-up should have left this in the cache")


def test_after_the_warm_up_the_opening_pages_work_nothing_heavy_out(monkeypatch, demo):
    done = warmup.warm_standard_views(_store(demo))
    assert done.views[0] == "Avonmere" and len(done.views) == 7  # the county, then its CSPs
    monkeypatch.setattr(gi_star, "hotspot_cells", _refuse)
    monkeypatch.setattr(overview, "overview_cells", _refuse)
    monkeypatch.setattr(evidence, "evidence_by_issue", _refuse)
    monkeypatch.setattr(performance, "measures_grid", _refuse)  # the name ui.performance's loader calls
    for heavy in ("peer_basis", "peer_comparison", "compared_rates", "no_group_reason"):
        monkeypatch.setattr(similar_areas, heavy, _refuse)
    for page, query in [("pages/measures.py", {}), ("pages/measures.py", {"area": "X22000004"}),
                        ("pages/similar.py", {}), ("pages/similar.py", {"area": "X22000003"}),
                        ("pages/hotspots.py", {}), ("pages/hotspots.py", {"area": "X22000002"}),
                        ("pages/hotspots.py", {"present": "1"}), ("pages/overview.py", {}),
                        ("pages/priorities.py", {"area": "X22000003"}), ("pages/home.py", {})]:
        app = open_page(monkeypatch, demo, page, **query)
        assert not app.exception, (page, query, app.exception)


def test_on_a_real_store_without_targets_measures_and_similar_areas_open_warm(monkeypatch, sussex_store_path,
                                                                              tmp_path):
    """A real CSP's first store has no targets: Measures opens on the headline indicators against a comparator."""
    store = copy_store(sussex_store_path, tmp_path / "sussex.db")
    warmup.warm_standard_views(_store(store))
    monkeypatch.setattr(headline_measures, "csp_headline_statuses", _refuse)
    for heavy in ("peer_basis", "peer_comparison", "compared_rates", "no_group_reason"):
        monkeypatch.setattr(similar_areas, heavy, _refuse)
    for page in ("pages/measures.py", "pages/similar.py"):
        app = open_page(monkeypatch, store, page)
        assert not app.exception, (page, app.exception)
        assert app.markdown or app.info  # the page drew its view, not an empty shell


def test_without_the_warm_up_the_same_pages_would_work_it_out(monkeypatch, demo):
    """The check above can fail: on a store nobody warmed, the page calls the heavy work."""
    monkeypatch.setattr(gi_star, "hotspot_cells", _refuse)
    app = open_page(monkeypatch, demo, "pages/hotspots.py")
    assert app.exception and "worked out again" in app.exception[0].message


def test_each_store_version_is_warmed_once(monkeypatch, demo):
    monkeypatch.setenv(warmup.WARM_UP_VARIABLE, "on")
    calls = []
    monkeypatch.setattr(warmup, "warm_standard_views", lambda store: calls.append(store) or warmup.WarmUp((), 0.0))
    store = _store(demo)
    first = warmup.warm_in_background(store)
    assert first is not None
    first.join(timeout=60)
    assert warmup.warm_in_background(store) is None  # the same version: already warmed
    newer = Store(store.path, (*store.version[:-1], store.version[-1] + 1), PUBLIC)  # as after an import
    second = warmup.warm_in_background(newer)
    assert second is not None
    second.join(timeout=60)
    assert calls == [store, newer]


def test_it_can_be_turned_off(monkeypatch, demo):
    monkeypatch.setenv(warmup.WARM_UP_VARIABLE, "off")
    assert warmup.warm_in_background(_store(demo)) is None


def test_a_failing_warm_up_is_logged_not_raised_into_the_server(monkeypatch, demo):
    import threading

    def broken(store):
        raise RuntimeError("the disk went away")

    escaped, logged = [], []
    monkeypatch.setattr(threading, "excepthook", escaped.append)
    monkeypatch.setattr(warmup._log, "warning", lambda *args, **kwargs: logged.append(args[0]))
    monkeypatch.setattr(warmup, "warm_standard_views", broken)
    monkeypatch.setenv(warmup.WARM_UP_VARIABLE, "on")
    thread = warmup.warm_in_background(Store(str(demo), (1, 2, 3), PUBLIC))
    thread.join(timeout=60)
    assert escaped == [] and logged == ["warming the standard views failed"]


def test_a_reader_leaves_the_store_version_as_it_was_and_a_write_changes_it(demo):
    """The caches are keyed by the version: a reader's empty write-ahead log must not make a new one."""
    from lib.store.access import open_for
    from lib.store.db import open_store

    before = store_version(demo)
    reader = open_for(str(demo), PUBLIC)
    reader.execute("SELECT COUNT(*) FROM areas").fetchone()
    reader.close()
    assert store_version(demo) == before
    writer = open_store(demo)
    writer.execute("UPDATE areas SET name = name || ' ' WHERE code = 'X22000002'")
    writer.conn.commit()
    assert store_version(demo) != before
    writer.close()
