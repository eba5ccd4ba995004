"""The demo county of Avonmere: a fictional place generated from a fixed seed, loaded by the real importers.

Everything here is invented. ``write_demo_files`` writes the files a partnership would receive (an ONS-style
lookup, boundaries, mid-year population, partner indicators, and 36 monthly police.uk street CSVs) and
``build_demo_store`` imports them with the real importers, so the demo exercises the same path as real data,
then adds targets, an action plan and last year's priority assessment. The same seed gives the same bytes.

The parts, each with one job:

- ``design``: the fixed settings, districts and towns, and what each crime category is drawn to;
- ``geography``: the outline, districts and LSOAs, and what draws crime to each LSOA;
- ``incidents``: the police.uk-like street rows;
- ``partners``: mid-year population and the partner indicators;
- ``files``: the input files, written as a partnership would receive them;
- ``partnership``: the targets, action plan and priority assessment the partnership wrote;
- ``build``: the store, built from the files through the real importers.

This package is a front door: the app, the command line, the tests and the benchmarks use the names below.
"""

from lib.demo.build import build_demo_store, import_demo_files
from lib.demo.design import (
    ASB,
    CATEGORIES,
    CATEGORY_SHARES,
    COUNTY_CODE,
    COUNTY_NAME,
    DISTRICTS,
    FIRST_MONTH,
    FORCE_CODE,
    FORCE_NAME,
    LAST_MONTH,
    POPULATION_YEARS,
    SEED,
    demo_months,
    slug,
    to_lon_lat,
)
from lib.demo.files import street_files, write_demo_files
from lib.demo.incidents import MISPLACED_ROWS, STREET_COLUMNS, crime_ids, cumulative_within
from lib.demo.partners import PARTNER_INDICATORS
from lib.demo.partnership import (
    AGREED_NAME,
    ASSESSED_YEAR,
    BASELINE_YEAR,
    NEXT_YEAR,
    TARGET_YEAR,
    agreed_assessment,
)

__all__ = [
    "AGREED_NAME",
    "ASB",
    "ASSESSED_YEAR",
    "BASELINE_YEAR",
    "CATEGORIES",
    "CATEGORY_SHARES",
    "COUNTY_CODE",
    "COUNTY_NAME",
    "DISTRICTS",
    "FIRST_MONTH",
    "FORCE_CODE",
    "FORCE_NAME",
    "LAST_MONTH",
    "MISPLACED_ROWS",
    "NEXT_YEAR",
    "PARTNER_INDICATORS",
    "POPULATION_YEARS",
    "SEED",
    "STREET_COLUMNS",
    "TARGET_YEAR",
    "agreed_assessment",
    "build_demo_store",
    "crime_ids",
    "cumulative_within",
    "demo_months",
    "import_demo_files",
    "slug",
    "street_files",
    "to_lon_lat",
    "write_demo_files",
]
