"""The committee pack: its pages and sections, its figures against the store, public mode, hostile text, the CLI."""

from __future__ import annotations

import io
import math
import re
from datetime import date

import pytest
from pypdf import PdfReader

from lib.cli import main
from lib.core.areas import find_area
from lib.core.periods import latest_12_months, previous_comparable
from lib.hotspots.gi_star import hotspot_cells, top_hotspots
from lib.reports.committee_pack import PACK_SECTIONS, PACK_TITLE, build_pack, pack_file_name
from lib.reports.pdf_layout import page_count
from lib.store.access import PUBLIC, narrow
from lib.store.summary import store_overview
from tests.app_support import copy_store, demo_store_file
from tests.conftest import read_only

GENERATED = date(2026, 11, 23)  # after the demo plan's earliest completion dates, so some actions are overdue
RESTRICTED_KEY = "ksi-casualties"  # restricted in a copy; the demo already restricts domestic abuse


def latest_period(db):
    held = store_overview(db)
    return latest_12_months(held.first_month, held.last_month)


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat_text(pdf: bytes) -> str:
    """The whole pack's text with every run of white space as one space, so wrapped cells read whole."""
    return " ".join(" ".join(page_texts(pdf)).split())


def section_starts(texts: list[str]) -> dict[str, int]:
    """Heading -> the (0-based) page whose first line it is."""
    starts = {}
    for number, text in enumerate(texts):
        first = text.splitlines()[0] if text.strip() else ""
        if first in PACK_SECTIONS:
            assert first not in starts, f"{first!r} starts two pages"
            starts[first] = number
    return starts


def section_pages(texts: list[str]) -> dict[str, range]:
    starts = section_starts(texts)
    ends = [starts[h] for h in PACK_SECTIONS[1:]] + [len(texts)]
    return {heading: range(starts[heading], end) for heading, end in zip(PACK_SECTIONS, ends, strict=True)}


def column_values(page, header: str) -> list[str]:
    """The texts drawn under a table header on a page, found by their x position (cells are left-aligned)."""
    fragments = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            fragments.append((x, y, text.strip()))

    page.extract_text(visitor_text=visit)
    heads = [(x, y) for x, y, text in fragments if text == header]
    assert len(heads) == 1, f"expected one {header!r} header, found {len(heads)}"
    x0, y0 = heads[0]
    return [text for x, y, text in fragments if abs(x - x0) < 1 and y < y0]


def public_chart_count(db, county_code: str) -> int:
    """Chosen priorities of the county's latest agreed assessment with an indicator that is not restricted."""
    return db.execute(
        "SELECT COUNT(DISTINCT s.indicator_key) FROM assessment_scores s WHERE s.chosen = 1 "
        "AND s.indicator_key IS NOT NULL AND s.indicator_key NOT IN (SELECT key FROM indicators WHERE restricted = 1) "
        "AND s.version_id = (SELECT id FROM assessment_versions WHERE area_code = ? AND status = 'saved' "
        "ORDER BY year DESC, saved_at DESC LIMIT 1)",
        [county_code],
    ).fetchone()[0]


def csps_with_targets(db, county_code: str) -> int:
    return db.execute(
        "SELECT COUNT(DISTINCT t.csp_code) FROM targets t JOIN areas a ON a.code = t.csp_code WHERE a.parent_code = ?",
        [county_code],
    ).fetchone()[0]


def recount(db, category: str, csp_codes: list[str], start: str, end: str) -> int:
    """Incidents of a category from the incidents table itself (not the monthly counts the pack reads)."""
    marks = ", ".join("?" for _ in csp_codes)
    return db.execute(
        "SELECT COUNT(*) FROM incidents i JOIN points p ON p.id = i.point_id JOIN categories c ON c.id = i.category_id "
        f"WHERE c.name = ? AND i.month BETWEEN ? AND ? AND p.csp_code IN ({marks})",
        [category, start, end, *csp_codes],
    ).fetchone()[0]


def public_pack(path, area_name: str, **options) -> tuple:
    """A pack as published: built on a connection narrowed for the public view, as the CLI's default is."""
    db = narrow(read_only(path), PUBLIC)
    area = find_area(db, area_name)
    try:
        return area, build_pack(db, area, latest_period(db), generated=GENERATED, **options)
    finally:
        db.close()


@pytest.fixture(scope="module")
def county_pack():
    return public_pack(demo_store_file(), "Avonmere")


@pytest.fixture(scope="module")
def csp_pack():
    return public_pack(demo_store_file(), "Saltcliffe")


@pytest.fixture(scope="module")
def restricted_store(tmp_path_factory):
    """A copy of the demo store in which one partner indicator is restricted to partners."""
    path = copy_store(demo_store_file(), tmp_path_factory.mktemp("restricted") / "demo.db")
    db = read_only(path)
    name, source = db.execute("SELECT name, source FROM indicators WHERE key = ?", [RESTRICTED_KEY]).fetchone()
    db.close()
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE indicators SET restricted = 1 WHERE key = ?", [RESTRICTED_KEY])
    return path, name, source


# ---- Structure -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["county_pack", "csp_pack"])
def test_each_section_starts_its_own_page_with_its_heading_in_order(request, demo, which):
    area, pdf = request.getfixturevalue(which)
    assert pdf.startswith(b"%PDF-")
    texts = page_texts(pdf)
    assert texts[0].splitlines()[0] == PACK_TITLE
    starts = section_starts(texts)
    assert list(starts) == list(PACK_SECTIONS)  # every heading found, in this order
    assert list(starts.values()) == sorted(starts.values())
    assert page_count(pdf) == len(texts)


@pytest.mark.parametrize("which", ["county_pack", "csp_pack"])
def test_page_count_follows_from_the_sections(request, demo, which):
    area, pdf = request.getfixturevalue(which)
    county = "X10000001"
    charts = public_chart_count(demo, county)  # a CSP without an assessment charts its county's priorities
    assert charts == 3  # four chosen priorities, each with an indicator; domestic abuse's is restricted
    measures = 1 + csps_with_targets(demo, county) if area.kind == "county" else 1
    expected = {"Overview": 1, "Measures": measures, "Trends": math.ceil(charts / 2), "Hotspots": 2,
                "Priority matrix": 2, "Action plan": 1, "Sources and licence": 1}
    pages = section_pages(page_texts(pdf))
    assert {heading: len(span) for heading, span in pages.items()} == expected
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1 + sum(expected.values())


def test_charts_and_maps_are_images_on_their_pages_and_nowhere_else(demo, county_pack):
    _, pdf = county_pack
    reader = PdfReader(io.BytesIO(pdf))
    pages = section_pages([p.extract_text() for p in reader.pages])
    images = [len(page.images) for page in reader.pages]
    charts = public_chart_count(demo, "X10000001")
    assert [images[n] for n in pages["Trends"]] == [2] * (charts // 2) + [1] * (charts % 2)
    assert [images[n] for n in pages["Hotspots"]] == [1, 1]
    assert [images[n] for n in pages["Priority matrix"]] == [1, 0]
    others = set(range(len(images))) - {n for h in ("Trends", "Hotspots", "Priority matrix") for n in pages[h]}
    assert all(images[n] == 0 for n in others)


@pytest.mark.parametrize("which", ["county_pack", "csp_pack"])
def test_every_page_has_a_footer_with_its_number_area_and_period(request, demo, which):
    area, pdf = request.getfixturevalue(which)
    texts = page_texts(pdf)
    span = latest_period(demo).span
    for number, text in enumerate(texts, start=1):
        footer = text.splitlines()[-2:]
        assert f"Page {number} of {len(texts)}" in " ".join(footer)
        assert f"{area.name} · {span}" in " ".join(footer)


def test_the_pack_says_the_data_are_synthetic_and_public(csp_pack):
    _, pdf = csp_pack
    cover = page_texts(pdf)[0]
    assert "Synthetic demo data" in cover
    assert "Public mode" in cover
    assert "Contains public sector information licensed under the Open Government Licence v3.0." in page_texts(
        pdf)[-1]


def test_the_hotspot_maps_speak_plainly_with_the_method_after_them(csp_pack):
    _, pdf = csp_pack
    maps = [" ".join(t.split()) for t in page_texts(pdf) if "hot spots in" in t.lower()]
    assert maps, "the pack has its hotspot pages"
    for text in maps:
        plain = text.index("a cluster of places with high counts, unlikely to be chance")
        method = text.index("How this is worked out: ")
        assert plain < method and "Getis-Ord Gi*" in text[method:] and "Getis-Ord Gi*" not in text[:method]


def test_sections_with_nothing_to_show_say_so(sussex):
    """Sussex holds no targets, assessment or action plan: each of those sections still has its page."""
    county = find_area(sussex, "East Sussex")
    raw = page_texts(build_pack(sussex, county, latest_period(sussex), generated=GENERATED))
    pages = section_pages(raw)
    texts = [" ".join(text.split()) for text in raw]  # wrapped lines read whole
    assert "No CSP in East Sussex has measures with targets" in texts[pages["Measures"][0]]
    # The grid is judged against the first comparison the store can answer (five months: not last year).
    overview = texts[pages["Overview"][0]]
    assert "judgement against East Sussex (the county)" in overview
    assert re.search(r"✓ Better|✗ Worse", overview)
    assert "no threat, harm and risk assessment" in texts[pages["Priority matrix"][0]]
    assert "No action plan for East Sussex" in texts[pages["Action plan"][0]]
    assert "headline indicators are charted" in texts[pages["Trends"][0]]
    assert {heading: len(span) for heading, span in pages.items() if heading not in ("Trends", "Hotspots")} == {
        "Overview": 1, "Measures": 1, "Priority matrix": 1, "Action plan": 1, "Sources and licence": 1}
    assert "Synthetic" not in " ".join(texts)


# ---- Figures -----------------------------------------------------------------------------------------------------


def test_headline_asb_count_equals_a_recount_of_the_incidents(demo, county_pack):
    county, pdf = county_pack
    texts = page_texts(pdf)
    overview = texts[section_starts(texts)["Overview"]]
    count, previous = (int(n.replace(",", "")) for n in
                       re.search(r"^Anti-social behaviour\s+([\d,]+)\s+([\d,]+)", overview, re.MULTILINE).groups())
    csps = [r[0] for r in demo.execute("SELECT code FROM areas WHERE parent_code = ? AND kind = 'csp'",
                                       [county.code])]
    period = latest_period(demo)
    earlier = previous_comparable(period)
    assert count == recount(demo, "Anti-social behaviour", csps, period.start, period.end)
    assert previous == recount(demo, "Anti-social behaviour", csps, earlier.start, earlier.end)
    assert count > 1000


def test_overdue_actions_are_those_past_their_date_and_not_complete(demo, county_pack):
    _, pdf = county_pack
    texts = page_texts(pdf)
    plan = texts[section_starts(texts)["Action plan"]]
    overdue = demo.execute("SELECT COUNT(*) FROM actions WHERE completion_date < ? AND rag <> 'Complete'",
                           [GENERATED.isoformat()]).fetchone()[0]
    assert overdue > 0
    assert f"Overdue actions ({overdue})" in plan


# ---- Public mode -------------------------------------------------------------------------------------------------


def test_public_mode_leaves_out_restricted_indicators(restricted_store):
    path, name, source = restricted_store
    db = read_only(path)
    restricted = db.execute("SELECT name, source FROM indicators WHERE restricted = 1").fetchall()
    csp = find_area(db, "Saltcliffe")
    public = flat_text(public_pack(path, "Saltcliffe")[1])
    partners = flat_text(build_pack(db, csp, latest_period(db), generated=GENERATED))
    db.close()
    assert (name, source) in restricted and len(restricted) == 2  # the one restricted here and domestic abuse
    for name, source in restricted:
        assert name not in public and source not in public
        assert name in partners and source in partners
    assert "for partners only" in public
    assert "Partners only" in partners


def test_public_mode_suppresses_small_hotspot_counts_at_lsoa_level(sussex, sussex_store_path):
    eastbourne = find_area(sussex, "Eastbourne")
    period = latest_period(sussex)
    # Not vacuous: the top ASB places in Eastbourne's LSOAs include a count of 1 to 4.
    result = hotspot_cells(sussex, eastbourne, ["Anti-social behaviour"], period.start, period.end, "lsoa")
    small = [int(c) for c in top_hotspots(result, 10)["Count"] if 0 < c < 5]
    assert small

    def counts(public: bool) -> list[str]:
        pdf = (public_pack(sussex_store_path, "Eastbourne", unit="lsoa")[1] if public else
               build_pack(sussex, eastbourne, period, generated=GENERATED, unit="lsoa"))
        reader = PdfReader(io.BytesIO(pdf))
        pages = section_pages([p.extract_text() for p in reader.pages])["Hotspots"]
        return [value for n in pages for value in column_values(reader.pages[n], "Count")]

    public, partners = counts(True), counts(False)
    assert len(public) == len(partners) >= 10
    assert set(map(str, small)) <= set(partners)  # the partners' pack shows them as they are
    numbers = [int(v.replace(",", "")) for v in public if v.replace(",", "").isdigit()]
    assert numbers and all(n == 0 or (n >= 5 and n % 5 == 0) for n in numbers), "rounded to 5s, none 1 to 4"
    assert "fewer than 5" in public


# ---- Hostile text ------------------------------------------------------------------------------------------------


def test_markup_in_names_and_commentary_prints_as_plain_text(tmp_path):
    path = copy_store(demo_store_file(), tmp_path / "demo.db")
    import sqlite3

    hostile_name = "Harwick <script>alert('x')</script> & Co"
    hostile_note = "Venue <b>lost</b> & moved; see <a href='x'>this</a> &amp; that"
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE areas SET name = ? WHERE code = 'X22000003'", [hostile_name])
        connection.execute("UPDATE actions SET commentary = ? WHERE area_code = 'X22000003' AND completion_date < ? "
                           "AND rag <> 'Complete'", [hostile_note, GENERATED.isoformat()])
    db = read_only(path)
    pdf = build_pack(db, find_area(db, "X22000003"), latest_period(db), generated=GENERATED)
    db.close()
    text = flat_text(pdf)
    assert hostile_name in text
    assert hostile_note in text
    assert "&lt;" not in text


# ---- Long text and missing figures -------------------------------------------------------------------------------

LONGEST_TEXT = 2_000  # the most a target's measure and commentary, and each of an action's texts, may hold


def longest(what: str) -> str:
    """Text of the longest length allowed, in words (so it wraps), ending with words naming it."""
    end = f" This is the end of the {what}."
    body = "The partnership reviewed this at length and agreed the next steps with every partner. " * 30
    return body[: LONGEST_TEXT - len(end)] + end


def test_text_of_the_longest_length_allowed_flows_across_pages(tmp_path):
    import sqlite_utils

    from lib.performance.targets import load_targets, update_target
    from lib.priorities.action_plan import load_actions, update_action

    path = copy_store(demo_store_file(), tmp_path / "demo.db")
    db = sqlite_utils.Database(path)
    harwick = find_area(db, "Harwick")
    targets = [t.id for t in load_targets(db, harwick.code)]
    for target in targets:  # through the editing API, which refuses anything longer
        update_target(db, target, {"measure": longest(f"measure {target}"),
                                   "commentary": longest(f"target commentary {target}")}, who="test")
    overdue = [a.id for a in load_actions(db, harwick.code)
               if a.completion_date and a.completion_date < GENERATED.isoformat() and a.rag != "Complete"]
    assert overdue and targets
    for action in overdue:  # the overdue table prints each of these in its own column
        update_action(db, action, {field: longest(f"{field} {action}")
                                   for field in ("priority", "action", "lead", "commentary")}, who="test")
    assert {len(longest("x"))} == {LONGEST_TEXT}
    db.close()
    db = read_only(path)
    pdf = build_pack(db, harwick, latest_period(db), generated=GENERATED)
    db.close()
    text = flat_text(pdf)
    for target in targets:
        assert f"end of the target commentary {target}." in text
        assert f"end of the measure {target}." in text
    for action in overdue:
        for field in ("priority", "action", "lead", "commentary"):
            assert f"end of the {field} {action}." in text
    assert list(section_starts(page_texts(pdf))) == list(PACK_SECTIONS)  # each section still starts a page


def test_a_chosen_priority_without_values_for_the_area_says_so(tmp_path):
    import sqlite3

    path = copy_store(demo_store_file(), tmp_path / "demo.db")
    with sqlite3.connect(path) as connection:  # a yearly rate chosen, which no partner sent for Castlebury
        connection.execute("UPDATE assessment_scores SET chosen = 1 WHERE indicator_key = 'first-time-entrants'")
        connection.execute("DELETE FROM observations WHERE area_code = 'X22000002' "
                           "AND indicator_key IN ('first-time-entrants', 'ksi-casualties')")
    db = read_only(path)
    name = db.execute("SELECT name FROM indicators WHERE key = 'first-time-entrants'").fetchone()[0]
    pdf = build_pack(db, find_area(db, "Castlebury"), latest_period(db), generated=GENERATED)
    db.close()
    texts = page_texts(pdf)
    trends = " ".join(" ".join(texts[p] for p in section_pages(texts)["Trends"]).split())
    assert f"{name} has no values for Castlebury. Values are held for Brackenford (" in trends
    assert "People killed or seriously injured on the roads has no values for Castlebury." in trends


# ---- Names and the command line ------------------------------------------------------------------------------


def test_file_name_is_plain_words(demo):
    assert pack_file_name(find_area(demo, "Avonmere"), latest_period(demo)) == (
        "committee-pack_avonmere_2025-10-to-2026-09.pdf")


def test_cli_writes_the_pack_and_prints_its_pages(tmp_path, capsys):
    store = copy_store(demo_store_file(), tmp_path / "demo.db")
    out = tmp_path / "pack.pdf"
    assert main(["--db", str(store), "pack", "--area", "X22000005", "--period", "2025-04:2026-03",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    found = re.fullmatch(r"wrote (.+) \((\d+) pages, ([\d,]+) KB\) in ([\d.]+) s\n", printed)
    assert found, printed
    assert found[1] == str(out)
    pages = PdfReader(out).pages
    assert int(found[2]) == len(pages) == 11
    assert "Apr 2025 to Mar 2026" in pages[0].extract_text()


def test_cli_refuses_a_period_it_does_not_hold(tmp_path, capsys):
    store = copy_store(demo_store_file(), tmp_path / "demo.db")
    assert main(["--db", str(store), "pack", "--area", "Saltcliffe", "--period", "2030/31"]) == 2
    assert "no period '2030/31'" in capsys.readouterr().err
