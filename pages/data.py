"""Data: what the store holds and where it came from, what was rejected and why, uploads and downloads."""

from ui.preload import require_app_shell

require_app_shell()  # before any other import: see ui.preload

import streamlit as st

from lib.core.export import download_name
from lib.store.summary import describe_areas
from lib.uploads import INDICATORS, POLICE_UK
from ui import area_setup, data, editing, link, modes, shell, sidebar, uploads, widgets

store = data.current_store()
overview = data.load_overview(store)
selection = sidebar.current_selection()
public = store.viewer.public

if modes.current_mode().present:  # the top bar names the page; the headline says what is held
    shell.headline("Data held", describe_areas(overview.areas_by_kind), overview.span)
else:
    st.title("Data")
st.markdown(
    f"**{overview.dataset}**: {overview.span} ({overview.months} months), "
    f"{overview.incidents:,} incidents from {overview.imports:,} imports. "
    f"Areas: {describe_areas(overview.areas_by_kind)}."
)

set_up, coverage, imports, rejected, indicators, upload, downloads = link.tabs(
    ["Set up your area", "Coverage", "Import log", "Rejected rows", "Indicators", "Upload or fetch", "Downloads"]
)

with set_up:
    area_setup.set_up_your_area(store, selection)

with coverage:
    st.subheader("Areas and months covered")
    widgets.table(data.load_table(store, "coverage"))
    st.caption("A CSP with fewer months than the rest has gaps: check the import log for a missing file.")
    widgets.show_as_table(
        data.load_table(store, "coverage_grid"), key="data_show_grid", label="Show incidents by month and CSP"
    )
    strays = data.load_table(store, "coverage_over_the_border")
    if not strays.empty:
        st.subheader("Incidents just over the border")
        st.caption(
            "A force's file places a few points in neighbouring forces' CSPs. Those CSPs are not offered in "
            "the area picker, so these incidents count in no area's headline figures."
        )
        widgets.table(strays)

with imports:
    st.subheader("Import log")
    widgets.table(data.load_table(store, "import_log"))
    st.caption("Importing a file again adds nothing: rows already held are counted, not added.")

with rejected:
    st.subheader("Rejected rows")
    reasons = data.load_table(store, "rejected_reasons")
    if reasons.empty:
        st.write("No rows have been rejected.")
    else:
        widgets.table(reasons)
        st.caption(
            "police.uk rows without coordinates, or placed far outside their district, cannot be mapped "
            "or counted in an area, so they are kept here instead."
        )
        if public:
            st.caption("Public mode: the rejected rows themselves (single incidents) are not shown.")
        else:
            widgets.table(data.load_table(store, "rejected_rows"))

with indicators:
    st.subheader("Partner indicators")
    catalogue = data.load_table(store, "indicators")
    if catalogue.empty:
        st.write("No partner indicators are loaded. 'Set up your area' says where they come from, with a template.")
    else:
        st.caption("Restricted indicators are for partners only: do not show them on a public screen.")
        widgets.indicator_cards(catalogue)
        widgets.show_as_table(catalogue, key="data_show_indicators")

with upload:
    st.subheader("Upload files")
    if overview.demo:
        widgets.caveat(
            "This is the synthetic demo store. Files imported here are added to it, mixing real and "
            "generated data. For real work, import into a new store file from the command line "
            "(python -m lib.cli --db FILE import ...) and start the dashboard with CSP_DB set to it."
        )
    uploads.show_upload_outcomes()
    if editing.editing_gate("data_upload"):
        uploads.upload_form(
            POLICE_UK,
            "police.uk street-level files: .csv, .csv.gz, or the monthly .zip archive",
            ["csv", "gz", "zip"],
            key="data_police",
        )
        uploads.upload_form(INDICATORS, "Partner indicator files (.csv)", ["csv"], key="data_indicators")
        uploads.police_uk_fetch_form(store, selection)

with downloads:
    st.subheader("Downloads")
    st.caption("CSV files open safely in Excel: text that a spreadsheet would run as a formula is quoted.")
    if selection is not None:
        widgets.download_csv(
            f"Monthly counts by category: {widgets.plain_text(selection.area.name)}, {selection.period.title}",
            data.load_monthly_categories(selection),
            download_name("monthly-counts", selection.area.name, selection.period.key),
            key="data_download_counts",
        )
    widgets.download_csv(
        "Import log", data.load_table(store, "import_log"), download_name("import-log"), key="data_download_log"
    )
    if not public:
        widgets.download_csv(
            "Rejected rows",
            data.load_table(store, "rejected_rows"),
            download_name("rejected-rows"),
            key="data_download_rejected",
        )
