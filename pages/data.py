"""Data: what the store holds and where it came from, what was rejected and why, uploads and downloads."""

import streamlit as st

import ui
from lib.core.export import download_name
from lib.store.summary import describe_areas
from lib.uploads import INDICATORS, POLICE_UK

ui.require_app_shell()
store = ui.current_store()
overview = ui.load_overview(store)
selection = ui.current_selection()
public = store.viewer.public

st.title("Data")
st.markdown(
    f"**{overview.dataset}**: {overview.span} ({overview.months} months), "
    f"{overview.incidents:,} incidents from {overview.imports:,} imports. "
    f"Areas: {describe_areas(overview.areas_by_kind)}."
)

coverage, imports, rejected, indicators, upload, downloads = st.tabs(
    ["Coverage", "Import log", "Rejected rows", "Indicators", "Upload files", "Downloads"], key="tab",
    bind="query-params",
)

with coverage:
    st.subheader("Areas and months covered")
    ui.table(ui.load_table(store, "coverage"))
    st.caption("A CSP with fewer months than the rest has gaps: check the import log for a missing file.")
    ui.show_as_table(
        ui.load_table(store, "coverage_grid"), key="data_show_grid", label="Show incidents by month and CSP"
    )
    strays = ui.load_table(store, "coverage_over_the_border")
    if not strays.empty:
        st.subheader("Incidents just over the border")
        st.caption(
            "A force's file places a few points in neighbouring forces' CSPs. Those CSPs are not offered in "
            "the area picker, so these incidents count in no area's headline figures."
        )
        ui.table(strays)

with imports:
    st.subheader("Import log")
    ui.table(ui.load_table(store, "import_log"))
    st.caption("Importing a file again adds nothing: rows already held are counted, not added.")

with rejected:
    st.subheader("Rejected rows")
    reasons = ui.load_table(store, "rejected_reasons")
    if reasons.empty:
        st.write("No rows have been rejected.")
    else:
        ui.table(reasons)
        st.caption(
            "police.uk rows without coordinates, or placed far outside their district, cannot be mapped "
            "or counted in an area, so they are kept here instead."
        )
        if public:
            st.caption("Public mode: the rejected rows themselves (single incidents) are not shown.")
        else:
            ui.table(ui.load_table(store, "rejected_rows"))

with indicators:
    st.subheader("Partner indicators")
    catalogue = ui.load_table(store, "indicators")
    if catalogue.empty:
        st.write("No partner indicators are loaded. Upload an indicator CSV under 'Upload files'.")
    else:
        st.caption("Restricted indicators are for partners only: do not show them on a public screen.")
        ui.indicator_cards(catalogue)
        ui.show_as_table(catalogue, key="data_show_indicators")

with upload:
    st.subheader("Upload files")
    if overview.demo:
        ui.caveat(
            "This is the synthetic demo store. Files imported here are added to it, mixing real and "
            "generated data. For real work, import into a new store file from the command line "
            "(python -m lib.cli --db FILE import ...) and start the dashboard with CSP_DB set to it."
        )
    ui.show_upload_outcomes()
    if ui.editing_gate("data_upload"):
        ui.upload_form(
            POLICE_UK,
            "police.uk street-level files: .csv, .csv.gz, or the monthly .zip archive",
            ["csv", "gz", "zip"],
            key="data_police",
        )
        ui.upload_form(INDICATORS, "Partner indicator files (.csv)", ["csv"], key="data_indicators")

with downloads:
    st.subheader("Downloads")
    st.caption("CSV files open safely in Excel: text that a spreadsheet would run as a formula is quoted.")
    if selection is not None:
        ui.download_csv(
            f"Monthly counts by category: {ui.plain_text(selection.area.name)}, {selection.period.title}",
            ui.load_monthly_categories(selection),
            download_name("monthly-counts", selection.area.name, selection.period.key),
            key="data_download_counts",
        )
    ui.download_csv(
        "Import log", ui.load_table(store, "import_log"), download_name("import-log"), key="data_download_log"
    )
    if not public:
        ui.download_csv(
            "Rejected rows",
            ui.load_table(store, "rejected_rows"),
            download_name("rejected-rows"),
            key="data_download_rejected",
        )
